import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  chainCredentials,
  dockerConfigCredentials,
  dockerConfigPath,
  environmentCredentials,
} from '../auth/index.js';
import type { StepContext, StepSpec } from '../pipeline/step.js';
import { cacheFolder, isHostPath } from './caches.js';
import type { ToolchainRun } from './toolchain-runtime.js';
import { loadToolchains, toolchainImage } from './toolchains.js';

// What a build step hands its toolchain runtime: the image its version keys
// choose, its caches as mounts (`~/.m2` in the container user's home, a
// workspace folder at its path), the GITEE_PARAMS file, and the registry
// access the rest of slipway uses (registries.json, --insecure-registry,
// SLIPWAY_AUTH_* and Docker's config.json).

/** The environment of the commands: the parameters, and GITEE_PARAMS. */
export function commandEnv(context: StepContext, base: Record<string, string | undefined>) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  for (const [key, value] of context.params) env[key] = value;
  if (context.paramsFile) env.GITEE_PARAMS = context.paramsFile;
  return env;
}

/** The container run of a build step's commands. */
export async function toolchainRun(
  spec: StepSpec,
  context: StepContext,
  script: string,
  onLine: ToolchainRun['onLine'],
): Promise<ToolchainRun> {
  const templates = await loadToolchains(context.config.toolchains);
  const image = toolchainImage(spec.step, spec.fields, templates);
  context.emit({ kind: 'toolchain.image', message: `toolchain image ${image}`, level: 'info' });
  const cachesDir = context.cachesDir ?? join(context.stepDir, 'caches');
  const mounts = (spec.caches ?? []).map((path) => ({
    source: cacheFolder(cachesDir, path),
    target: isHostPath(path) ? path : join(context.workspace, path),
  }));
  for (const mount of mounts) await mkdir(mount.source, { recursive: true });
  if (context.paramsFile) mounts.push({ source: context.paramsFile, target: context.paramsFile });
  const hostEnv = { ...context.hostEnv };
  return {
    image,
    script,
    workspace: context.workspace,
    env: commandEnv(context, {}),
    mounts,
    signal: context.signal,
    onLine,
    emit: context.emit,
    home: context.stateDir,
    credentials: chainCredentials(
      environmentCredentials(hostEnv),
      dockerConfigCredentials({ path: dockerConfigPath(hostEnv), env: hostEnv }),
    ),
    insecureRegistries: (context.config.insecureRegistries ?? '').split(',').filter(Boolean),
  };
}
