import type { CredentialSource } from '../auth/index.js';
import type { Descriptor, Digest } from '../image/index.js';
import type { Emit } from '../log/index.js';
import type { ExportCompression } from '../registry/index.js';

// What `buildImage` takes and gives. `slipway build` fills these from flags;
// the `build@docker` pipeline step fills them from its form.

/**
 * Where the image goes besides (or instead of) the local store. As buildx: oci and
 * docker are a tarball unless `tar: false` (then a folder); the dest `-` of a
 * tarball is `BuildOptions.stdout`.
 */
export type BuildOutput =
  | { type: 'registry'; compression?: ExportCompression }
  | { type: 'oci'; dest: string; tar?: boolean; compression?: ExportCompression }
  | { type: 'docker'; dest: string; tar?: boolean }
  | { type: 'tar'; dest: string }
  | { type: 'local'; dest: string }
  | { type: 'store' };

/** A secret for `RUN --mount=type=secret`: a file, or an environment value. */
export type BuildSecret = { id: string; file: string } | { id: string; value: string };

/** A context fetched before the build: a git repository (`URL#ref:subdir`) or a URL. */
export type RemoteContext = { kind: 'git'; source: string } | { kind: 'url'; url: string };

/** A named context for FROM, COPY --from and RUN --mount from=NAME. */
export type NamedContext =
  | RemoteContext
  | { kind: 'dir'; path: string }
  | { kind: 'image'; reference: string }
  | { kind: 'oci-layout'; dir: string; selector?: string };

/** Everything a build needs. Paths are absolute or relative to the process cwd. */
export interface BuildOptions {
  contextDir: string;
  /** The context when it is a repository or URL; then `contextDir` is not read. */
  remoteContext?: RemoteContext;
  /** The Dockerfile's path (relative: to the context, which a remote context needs). */
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  noCache: boolean;
  /** Push every tag to its registry (same as outputs with type=registry). */
  push: boolean;
  /** `os/arch[/variant]` (or several, comma-separated); default: this machine's. */
  platforms?: string[];
  credentials?: CredentialSource;
  /** Registry hosts reached over plain HTTP or with unverified TLS. */
  insecureRegistries?: string[];
  emit: Emit;
  signal?: AbortSignal;
  /** Hides secrets in what the image keeps of the build (RUN history with build args). */
  redact?: (text: string) => string;
  /** SLIPWAY_HOME: where the store, snapshots and cache live. */
  home?: string;
  labels?: Record<string, string>;
  secrets?: BuildSecret[];
  buildContexts?: Record<string, NamedContext>;
  outputs?: BuildOutput[];
  /** Always resolve base images from their registry, even if stored locally. */
  pull?: boolean;
  /** The network of RUN steps without --network (docker build's --network): host by default. */
  network?: 'host' | 'none';
  /** Lines added to the /etc/hosts of RUN steps (docker build's --add-host). */
  extraHosts?: { host: string; ip: string }[];
  /** Seconds since the epoch: clamps file times and the created times. */
  sourceDateEpoch?: number;
  /** Where an output with dest `-` writes its tarball (the CLI's stdout). */
  stdout?: NodeJS.WritableStream;
}

/** What a build made. */
export interface BuildResult {
  /** The manifest digest (of the index when the build made several platforms). */
  digest: Digest;
  /** The image ID as --iidfile writes it: the config digest, or the index digest. */
  configDigest: Digest;
  /** With several platforms: the manifest of each, as the index lists them. */
  manifests?: Descriptor[];
  /** Full references pushed (or tagged in the store when nothing was pushed). */
  references: string[];
  descriptor: Descriptor;
}
