import {
  chainCredentials,
  dockerConfigCredentials,
  dockerConfigPath,
  environmentCredentials,
} from '../auth/index.js';
import { parseReference } from '../image/reference.js';
import type { OciRepositoryOpener } from '../pipeline/artifact-repository-config.js';
import { loadSettings } from '../registry/index.js';
import { statePaths } from '../util/paths.js';
import { ociArtifactRepository } from './artifact-repository-oci.js';

// How `kind: oci` artifact repositories reach their registry, the same way
// for the publish steps and for `slipway artifacts`.

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/**
 * Opens `kind: oci` repositories with the registry settings of `stateDir`
 * (registries.json) and the credentials of `slipway login` / docker's
 * config.json or SLIPWAY_AUTH_* in `env`. Loopback registries and those
 * configured `insecure: true` are reached over plain HTTP.
 */
export async function ociOpener(
  stateDir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<OciRepositoryOpener> {
  const settings = await loadSettings(statePaths(stateDir).registriesConfig);
  const credentials = chainCredentials(
    environmentCredentials(env),
    dockerConfigCredentials({ path: dockerConfigPath(env), env }),
  );
  return (config) => {
    const host = parseReference(config.reference).registry;
    const insecure = config.insecure || LOOPBACK.test(host);
    const options = { settings, credentials, ...(insecure ? { overrides: { insecure } } : {}) };
    return ociArtifactRepository(config.name, config.reference, options);
  };
}
