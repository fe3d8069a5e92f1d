import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError } from '../errors/index.js';
import type { Credential, CredentialSource } from './credentials.js';
import { normalizeHost } from './credentials.js';
import { type HelperOptions, helperErase, helperGet, helperStore } from './helper.js';

// Docker's client configuration (`config.json`): `auths`, `credsStore` and
// `credHelpers`, read for lookups and written by login/logout as docker does.

/** The parts of config.json slipway reads; other keys are kept as they are. */
export interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** Where config.json is and how to run credential helpers. */
export interface DockerConfigOptions extends HelperOptions {
  /** The config.json path; see dockerConfigPath. */
  path: string;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, for a given environment. */
export function dockerConfigPath(env: Record<string, string | undefined>): string {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  return join(dir, 'config.json');
}

/** The key docker uses for a host in `auths` and for helpers. */
export function serverKey(host: string): string {
  const normal = normalizeHost(host);
  return normal === 'docker.io' ? 'https://index.docker.io/v1/' : normal;
}

/** Read config.json; a missing file is an empty config. */
export async function readDockerConfig(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not a JSON object');
    }
    return parsed as DockerConfigFile;
  } catch (error) {
    throw new InputError('MALFORMED_DOCKER_CONFIG', `${path}: ${(error as Error).message}`, {
      hint: 'fix the file or point DOCKER_CONFIG at another folder',
    });
  }
}

function helperFor(config: DockerConfigFile, host: string): string | undefined {
  const normal = normalizeHost(host);
  for (const [key, name] of Object.entries(config.credHelpers ?? {})) {
    if (normalizeHost(key) === normal) return name;
  }
  return config.credsStore || undefined;
}

function fromAuths(config: DockerConfigFile, path: string, host: string): Credential | undefined {
  const normal = normalizeHost(host);
  const entry = Object.entries(config.auths ?? {}).find(([key]) => normalizeHost(key) === normal);
  if (!entry) return undefined;
  const [key, auth] = entry;
  if (auth.identitytoken) return { identityToken: auth.identitytoken };
  if (auth.auth) {
    const decoded = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new InputError(
        'MALFORMED_DOCKER_CONFIG',
        `${path}: auths["${key}"].auth is not base64 of user:password`,
      );
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (auth.username !== undefined && auth.password !== undefined) {
    return { username: auth.username, password: auth.password };
  }
  return undefined;
}

/** Credentials from Docker's config.json, asking credential helpers where it says. */
export function dockerConfigCredentials(options: DockerConfigOptions): CredentialSource {
  return {
    async lookup(host) {
      const config = await readDockerConfig(options.path);
      const helper = helperFor(config, host);
      if (helper) {
        const found = await helperGet(helper, serverKey(host), options);
        if (found) return found;
      }
      return fromAuths(config, options.path, host);
    },
  };
}

/** Save a login as `docker login` does: in the helper if one is set, else base64 in auths. */
export async function saveLogin(
  host: string,
  credential: { username: string; password: string },
  options: DockerConfigOptions,
): Promise<'helper' | 'file'> {
  const config = await readDockerConfig(options.path);
  const helper = helperFor(config, host);
  if (helper) {
    await helperStore(helper, serverKey(host), credential, options);
    return 'helper';
  }
  const auths = { ...config.auths };
  for (const key of Object.keys(auths)) {
    if (normalizeHost(key) === normalizeHost(host)) delete auths[key];
  }
  const auth = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
  auths[serverKey(host)] = { auth };
  await writeConfig(options.path, { ...config, auths });
  return 'file';
}

/** Forget a login; resolves to whether there was one. */
export async function removeLogin(host: string, options: DockerConfigOptions): Promise<boolean> {
  const config = await readDockerConfig(options.path);
  const helper = helperFor(config, host);
  let removed = helper ? await helperErase(helper, serverKey(host), options) : false;
  const auths = { ...config.auths };
  for (const key of Object.keys(auths)) {
    if (normalizeHost(key) === normalizeHost(host)) {
      delete auths[key];
      removed = true;
    }
  }
  if (Object.keys(auths).length !== Object.keys(config.auths ?? {}).length) {
    await writeConfig(options.path, { ...config, auths });
  }
  return removed;
}

async function writeConfig(path: string, config: DockerConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.config.json.${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(config, null, '\t')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
