import type { CredentialSource } from '../auth/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Emit } from '../log/index.js';

// Running build commands inside a toolchain image: the seam the build steps
// call through. toolchain-container.ts runs them with build/sandbox, the only
// code that starts a process inside a root filesystem.

/** A host path mounted in the container; a target `~/x` is under the user's home. */
export interface ToolchainMount {
  source: string;
  target: string;
}

/** One step's commands and everything needed to run them in its image. */
export interface ToolchainRun {
  image: string;
  script: string;
  /** The workspace, mounted at the same path inside the container. */
  workspace: string;
  /** The step's environment, over the image's Env. */
  env: Record<string, string>;
  /** Cache folders (`~/.m2`, `<workspace>/node_modules`) and the GITEE_PARAMS file. */
  mounts: ToolchainMount[];
  signal: AbortSignal;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  emit: Emit;
  /** The slipway home: its image store, snapshots and registries.json. */
  home: string;
  /** Registry credentials by host, for pulling the image. */
  credentials: CredentialSource;
  /** `--insecure-registry` hosts. */
  insecureRegistries: string[];
}

/** Starts commands inside a toolchain image. */
export interface ToolchainRuntime {
  run(run: ToolchainRun): Promise<void>;
}

/** The error when no toolchain image can be had, with the way out. */
export function toolchainUnavailable(image: string, why: string, cause?: unknown): SlipwayError {
  return new SlipwayError(
    'TOOLCHAIN_UNAVAILABLE',
    `toolchain image ${image} is not available: ${why}`,
    {
      cause,
      hint:
        'run with --host-tools to use the tools installed on this machine, or point the ' +
        'toolchain map (--toolchains FILE) at an image your registries hold',
    },
  );
}
