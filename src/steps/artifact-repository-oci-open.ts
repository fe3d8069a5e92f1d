import {
  chainCredentials,
  dockerConfigCredentials,
  dockerConfigPath,
  environmentCredentials,
  staticCredentials,
} from '../auth/index.js';
import { InputError } from '../errors/index.js';
import { parseReference } from '../image/reference.js';
import type { OciRepositoryOpener } from '../pipeline/artifact-repository-config.js';
import type { Credential } from '../pipeline/step.js';
import { isLocalHost, loadSettings } from '../registry/index.js';
import { statePaths } from '../util/paths.js';
import { ociArtifactRepository } from './artifact-repository-oci.js';

// How `kind: oci` artifact repositories reach their registry, the same way
// for the publish steps and for `slipway artifacts`.

/** Looks up a credential of the credentials file by id; throws when it has none. */
export type CredentialById = (id: string) => Credential;

/**
 * Opens `kind: oci` repositories with the registry settings of `stateDir`
 * (registries.json). A repository with `credential: ID` logs in with that
 * account from `credentialById` (the --credentials file); the others with
 * `slipway login` / docker's config.json or SLIPWAY_AUTH_* in `env`.
 * Loopback registries and those configured `insecure: true` use plain HTTP.
 */
export async function ociOpener(
  stateDir: string,
  env: Readonly<Record<string, string | undefined>>,
  credentialById?: CredentialById,
): Promise<OciRepositoryOpener> {
  const settings = await loadSettings(statePaths(stateDir).registriesConfig);
  const logins = chainCredentials(
    environmentCredentials(env),
    dockerConfigCredentials({ path: dockerConfigPath(env), env }),
  );
  return (config) => {
    const host = parseReference(config.reference).registry;
    const insecure = config.insecure || isLocalHost(host);
    const credentials =
      config.credential === undefined
        ? logins
        : staticCredentials({ [host]: account(config.name, config.credential, credentialById) });
    const options = { settings, credentials, ...(insecure ? { overrides: { insecure } } : {}) };
    return ociArtifactRepository(config.name, config.reference, options);
  };
}

function account(repository: string, id: string, credentialById?: CredentialById) {
  if (!credentialById) {
    throw new InputError(
      'ARTIFACT_REPOSITORY',
      `artifact repository ${repository} logs in with credential ${id}, but no credentials file was given`,
      { hint: 'pass --credentials FILE holding that account' },
    );
  }
  const credential = credentialById(id);
  if (credential.kind !== 'account' && credential.kind !== 'password') {
    throw new InputError(
      'ARTIFACT_REPOSITORY',
      `artifact repository ${repository}: credential ${id} is a ${credential.kind}, not an account`,
      { hint: 'give it type: account with username and password for the registry' },
    );
  }
  return { username: credential.username, password: credential.password };
}
