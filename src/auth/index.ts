// Registry credentials by host: flags, environment, Docker's config.json.
export {
  anonymous,
  type Credential,
  type CredentialSource,
  chainCredentials,
  type IdentityTokenCredential,
  isPassword,
  normalizeHost,
  type PasswordCredential,
  staticCredentials,
} from './credentials.js';
export {
  type DockerConfigFile,
  type DockerConfigOptions,
  dockerConfigCredentials,
  dockerConfigPath,
  readDockerConfig,
  removeLogin,
  saveLogin,
  serverKey,
} from './docker-config.js';
export { environmentCredentials, environmentKey } from './environment.js';
export { helperErase, helperGet, helperStore } from './helper.js';
