// The options and result of one process run inside a root filesystem. The
// executor (RUN steps) and the pipeline runner (containerised steps) fill these;
// the back ends in this folder honour the same meaning.

import type { Emit } from '../../log/index.js';

/** The identity a process runs as, already resolved to numbers. */
export interface SandboxUser {
  uid: number;
  gid: number;
  /** Supplementary groups, as Docker derives them from the image's /etc/group. */
  additionalGids: number[];
}

/** A mount added inside the sandbox, on top of the standard ones. */
export type SandboxMount =
  | {
      type: 'bind';
      /** A host path: a directory, or a file (a secret). */
      source: string;
      /** An absolute path inside the root filesystem. */
      target: string;
      readonly?: boolean;
    }
  | {
      type: 'tmpfs';
      target: string;
      /** Size in bytes; the kernel's default when absent. */
      size?: number;
    };

/** Which isolation runs the process. */
export type SandboxBackend = 'runc' | 'namespaces';

/** Everything `runInSandbox` needs. Paths inside the rootfs are absolute. */
export interface SandboxOptions {
  /** The directory that becomes `/` (a merged overlay mount or a plain tree). */
  rootfs: string;
  /** argv; `args[0]` is looked up on PATH inside the rootfs when it has no slash. */
  args: string[];
  /** `KEY=VALUE` entries; PATH, HOSTNAME and HOME get Docker's defaults if absent. */
  env?: string[];
  /** The working directory inside the rootfs; created when missing. Default `/`. */
  cwd?: string;
  /** Default root (0:0, no extra groups). */
  user?: SandboxUser;
  /** Default `buildkitsandbox`, as BuildKit names its RUN containers. */
  hostname?: string;
  /** `host` (the default) shares the host's network; `none` leaves only `lo`. */
  network?: 'host' | 'none';
  mounts?: SandboxMount[];
  /** Called once per line of output, without the newline. */
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  /** Aborting kills every process of the sandbox. */
  signal?: AbortSignal;
  /** Force a back end; by default runc when installed, else namespaces. */
  backend?: SandboxBackend;
  /** Events: `sandbox.backend` names the back end chosen. */
  emit?: Emit;
  /** Extra `host:ip` lines for the generated /etc/hosts. */
  extraHosts?: { host: string; ip: string }[];
}

/** How the process ended: its exit code, or the signal that killed it. */
export interface SandboxResult {
  exitCode: number;
  signal?: string;
}
