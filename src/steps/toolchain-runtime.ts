import { SlipwayError } from '../errors/index.js';

// Running build commands inside a toolchain image. The sandbox that starts a
// process in a root filesystem lives in build/sandbox; this is the seam the
// build steps call through.

export interface ToolchainRun {
  image: string;
  script: string;
  /** The workspace, mounted at the same path inside the container. */
  workspace: string;
  env: Record<string, string>;
  /** Cache folders mounted at their paths (`/root/.m2`, ...). */
  mounts: Array<{ source: string; target: string }>;
  signal: AbortSignal;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
}

/** Starts commands inside a toolchain image. */
export interface ToolchainRuntime {
  run(run: ToolchainRun): Promise<void>;
}

/** The error when no toolchain image can be had, with the way out. */
export function toolchainUnavailable(image: string, why: string): SlipwayError {
  return new SlipwayError(
    'TOOLCHAIN_UNAVAILABLE',
    `toolchain image ${image} is not available: ${why}`,
    {
      hint:
        'run with --host-tools to use the tools installed on this machine, or point the ' +
        'toolchain map (--toolchains FILE) at an image your registries hold',
    },
  );
}

/**
 * The runtime used until slipway's sandbox can pull and unpack a toolchain
 * image: it says so and points at --host-tools.
 */
export const noToolchainRuntime: ToolchainRuntime = {
  run: async ({ image }) => {
    throw toolchainUnavailable(
      image,
      "running steps in a container needs slipway's build sandbox, which this build does not include",
    );
  },
};
