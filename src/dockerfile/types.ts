// The typed instructions of a Dockerfile: what the build engine consumes.
// Words are kept unexpanded; the builder expands them with each step's
// ARG/ENV environment (see expand.ts and scope.ts).

/** Where a node sits in its file: 1-based line and column, last line. */
export interface Location {
  file: string;
  line: number;
  column: number;
  endLine: number;
}

/** A finding of a check: never printed by the library, returned as data. */
export interface Warning {
  rule: string;
  message: string;
  location: Location;
  /** A short description of how to fix it. */
  fix: string;
  url?: string;
}

/** A command in shell form (one string run by the SHELL) or exec form (argv). */
export type Command = { form: 'shell'; text: string } | { form: 'exec'; args: string[] };

/** A here-document attached to RUN, COPY or ADD. */
export interface Heredoc {
  name: string;
  /** The body, each line with its newline; leading tabs already removed for `<<-`. */
  content: string;
  /** False when the delimiter was quoted: the body is then taken literally. */
  expand: boolean;
  chomp: boolean;
  fileDescriptor: number;
}

/** A `key=value` pair of ENV or LABEL, both unexpanded. */
export interface KeyValue {
  key: string;
  value: string;
}

/** One name of an ARG, with its default when given. */
export interface ArgDeclaration {
  key: string;
  value?: string;
}

interface Base<K extends string> {
  kind: K;
  location: Location;
  /** The instruction as written, continuation lines joined. */
  original: string;
  /** Raw flags as written (`--from=build`). */
  flags: string[];
}

/** FROM [--platform=p] image [AS name]. */
export interface FromInstruction extends Base<'FROM'> {
  image: string;
  platform?: string;
  stageName?: string;
}

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type CacheSharing = 'shared' | 'private' | 'locked';

/** A `RUN --mount` specification; unset fields take BuildKit's defaults at build time. */
export interface Mount {
  type: MountType;
  /** Stage name, stage index or image reference (bind and cache). */
  from?: string;
  source?: string;
  target?: string;
  readOnly: boolean;
  /** Cache id, secret id or ssh id. */
  id?: string;
  sharing?: CacheSharing;
  required?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  /** tmpfs size in bytes. */
  size?: number;
  /** Secret exposed as this environment variable. */
  env?: string;
}

export type NetworkMode = 'default' | 'none' | 'host';
export type SecurityMode = 'sandbox' | 'insecure';

/** RUN [--mount=...] [--network=...] [--security=...] command. */
export interface RunInstruction extends Base<'RUN'> {
  command: Command;
  mounts: Mount[];
  /** The raw `--mount` values, to re-parse with expansion at build time. */
  mountSpecs: string[];
  network?: NetworkMode;
  security?: SecurityMode;
  heredocs: Heredoc[];
}

/** CMD command. */
export interface CmdInstruction extends Base<'CMD'> {
  command: Command;
}

/** ENTRYPOINT command. */
export interface EntrypointInstruction extends Base<'ENTRYPOINT'> {
  command: Command;
}

/** SHELL ["executable", "parameters"]. */
export interface ShellInstruction extends Base<'SHELL'> {
  shell: string[];
}

/** LABEL k=v ... */
export interface LabelInstruction extends Base<'LABEL'> {
  labels: KeyValue[];
}

/** MAINTAINER name (deprecated). */
export interface MaintainerInstruction extends Base<'MAINTAINER'> {
  maintainer: string;
}

/** EXPOSE port[/proto] ... */
export interface ExposeInstruction extends Base<'EXPOSE'> {
  ports: string[];
}

/** ENV k=v ... or ENV k v. */
export interface EnvInstruction extends Base<'ENV'> {
  env: KeyValue[];
}

interface CopyLike<K extends string> extends Base<K> {
  sources: string[];
  dest: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  exclude: string[];
  parents: boolean;
  heredocs: Heredoc[];
  /** True when the sources and destination were a JSON array. */
  json: boolean;
}

/** COPY [--from=stage] [--chown] [--chmod] [--link] [--parents] [--exclude] src... dest. */
export interface CopyInstruction extends CopyLike<'COPY'> {
  from?: string;
}

/** ADD [--keep-git-dir] [--checksum] [--unpack] ... src... dest. */
export interface AddInstruction extends CopyLike<'ADD'> {
  keepGitDir: boolean;
  checksum?: string;
  unpack?: boolean;
}

/** VOLUME path... */
export interface VolumeInstruction extends Base<'VOLUME'> {
  volumes: string[];
}

/** USER user[:group]. */
export interface UserInstruction extends Base<'USER'> {
  user: string;
}

/** WORKDIR path. */
export interface WorkdirInstruction extends Base<'WORKDIR'> {
  path: string;
}

/** ARG name[=default] ... */
export interface ArgInstruction extends Base<'ARG'> {
  args: ArgDeclaration[];
}

/** ONBUILD instruction: stored as text for the child image; parsed for checking. */
export interface OnbuildInstruction extends Base<'ONBUILD'> {
  expression: string;
  trigger: Instruction;
}

/** STOPSIGNAL signal. */
export interface StopsignalInstruction extends Base<'STOPSIGNAL'> {
  signal: string;
}

/** A HEALTHCHECK test; durations in nanoseconds as in the image config. */
export type HealthTest =
  | { type: 'NONE' }
  | {
      type: 'CMD';
      command: Command;
      intervalNs?: number;
      timeoutNs?: number;
      startPeriodNs?: number;
      startIntervalNs?: number;
      retries?: number;
    };

/** HEALTHCHECK NONE | HEALTHCHECK [options] CMD command. */
export interface HealthcheckInstruction extends Base<'HEALTHCHECK'> {
  health: HealthTest;
}

/** Every instruction that may appear inside a stage. */
export type Instruction =
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | LabelInstruction
  | MaintainerInstruction
  | ExposeInstruction
  | EnvInstruction
  | CopyInstruction
  | AddInstruction
  | VolumeInstruction
  | UserInstruction
  | WorkdirInstruction
  | ArgInstruction
  | OnbuildInstruction
  | StopsignalInstruction
  | HealthcheckInstruction;

/** One build stage: a FROM and what follows it until the next FROM. */
export interface Stage {
  /** The `AS` name, lower-cased as BuildKit compares it. */
  name?: string;
  index: number;
  from: FromInstruction;
  instructions: Instruction[];
}

/** Parser directives from the top of the file. */
export interface Directives {
  syntax?: string;
  escape: '\\' | '`';
  /** The raw `# check=` value, e.g. `skip=JSONArgsRecommended;error=true`. */
  check?: string;
}
