import type { Emit } from '../log/index.js';

// The contract between the pipeline runner and the step kinds in steps/.
// The runner parses and validates the file, expands parameters, orders the
// steps and calls one StepKind per step with a StepContext.

/** A step as written in the pipeline file, parameters already expanded. */
export interface StepSpec {
  /** `build@maven`, `deploy@agent`, ... */
  step: string;
  name: string;
  displayName?: string;
  /** Every other key of the step, with `${PARAM}` expanded in strings. */
  fields: Record<string, unknown>;
  /** Where the step sits in its file, for errors that point at a key. */
  locate(key: string): { file: string; line: number; column: number } | undefined;
  /** The step's `caches` paths (`~/.m2`, `node_modules`), expanded. */
  caches?: readonly string[];
}

/** Registry/SSH/kubeconfig secrets by credential id (`type: cert`). */
export type Credential =
  | { kind: 'account'; username: string; password: string }
  | { kind: 'ssh-key'; username?: string; privateKey: string; passphrase?: string }
  | { kind: 'password'; username: string; password: string }
  | { kind: 'kubeconfig'; kubeconfig: string }
  | { kind: 'token'; token: string };

/** An artifact produced earlier in the run (`artifacts: [{name, path}]`). */
export interface RunArtifact {
  name: string;
  /** A tar.gz holding the paths the step listed. */
  file: string;
  step: string;
}

export interface StepContext {
  /** The repository checkout the pipeline runs in. */
  workspace: string;
  /** A directory private to this step and run, for scratch files and logs. */
  stepDir: string;
  /** Every parameter visible to this step (system, variables, earlier outputs). */
  params: ReadonlyMap<string, string>;
  /** Set an output parameter for later steps (`${KEY}`). */
  setOutput(key: string, value: string, options?: { secret?: boolean }): void;
  credential(id: string): Credential;
  /** The run's artifacts by name, as later steps refer to them. */
  artifact(name: string): RunArtifact;
  addArtifact(artifact: RunArtifact): void;
  /** Mark a value as secret so it is masked everywhere. */
  addSecret(value: string): void;
  /** The text with every secret known to the run replaced by `***`. */
  mask(text: string): string;
  /** Steps report progress and output lines as events (`step.output`). */
  emit: Emit;
  /** Aborted on timeout, on `fast` failure of a sibling, or on Ctrl-C. */
  signal: AbortSignal;
  /** Stages waiting for approval ask through this (rolling deploys too). */
  approve(question: string): Promise<boolean>;
  /** The slipway state directory (artifact repositories, host groups, caches). */
  stateDir: string;
  /** Paths of configuration files given on the command line. */
  config: Readonly<Record<string, string | undefined>>;
  /** The file a step's commands append `KEY=VALUE` lines to (env GITEE_PARAMS). */
  paramsFile?: string;
  /** Where this run keeps its artifacts (`<NAME>.tar.gz`). */
  artifactsDir?: string;
  /** Where this pipeline keeps `caches` between runs, one folder per path. */
  cachesDir?: string;
  /** `--host-tools`: run build commands with this machine's tools, not in a container. */
  hostTools?: boolean;
  /** The environment host commands start from (PATH, HOME, proxies), given by the CLI. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
}

/** One step kind: validates its fields before the run, then runs. */
export interface StepKind {
  /** `deploy@agent`; several tools may share one implementation. */
  kinds: readonly string[];
  /** Keys this kind accepts beyond the common ones (name, dependsOn, ...). */
  keys: readonly string[];
  /**
   * Keys whose strings are shell text: the runner substitutes the parameters
   * it knows and leaves any other `$X`, `${X:-y}` or `$$` for the shell.
   */
  rawKeys?: readonly string[];
  /** The parameters a run of this step sets for later steps (its outputs' names). */
  outputs?(spec: StepSpec): string[];
  /** Keys whose values are secrets (`password`): masked from the plan on. */
  secretKeys?: readonly string[];
  /** Throw an InputError naming the key (via spec.locate) for bad values. */
  validate?(spec: StepSpec): void;
  /** Whether its steps mount snapshots and set owners (root, or root of a user namespace). */
  needsRoot?(options: { hostTools: boolean }): boolean;
  run(spec: StepSpec, context: StepContext): Promise<void>;
}
