import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../errors/index.js';
import type { Credential } from './step.js';

// The credentials file (`--credentials F`, YAML or JSON): secrets by id, so a
// pipeline says `type: cert` + `certificate: ID` and never holds a password.
//
//   registry-prod: {type: account, username: ci, password: s3cret}
//   deploy-key:    {type: ssh-key, username: deploy, privateKeyFile: ~/.ssh/id_ed25519}
//   k8s-test:      {type: kubeconfig, kubeconfigFile: ./kubeconfig}
//   api:           {type: token, token: ...}

/** Credentials by id, with every secret value they hold. */
export interface CredentialStore {
  get(id: string): Credential | undefined;
  ids(): string[];
  /** Every password, key and token, for the masker. */
  secrets(): string[];
}

type Entry = Record<string, unknown>;

/** Load a credentials file; files named by `*File` keys are read relative to it. */
export async function loadCredentials(file: string): Promise<CredentialStore> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message);
    throw new InputError('CREDENTIALS', `reading credentials file ${file}: ${why}`, {
      hint: 'pass --credentials FILE, a YAML map of id to {type: account, username, password}',
    });
  });
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    // The YAML message may quote a line of the file; it is not shown.
    throw new InputError('CREDENTIALS', `credentials file ${file} is not valid YAML or JSON`, {
      cause: undefined,
      hint: (error as { linePos?: Array<{ line: number }> }).linePos?.[0]
        ? `see line ${(error as { linePos: Array<{ line: number }> }).linePos[0]?.line}`
        : undefined,
    });
  }
  const root = (doc as { credentials?: unknown })?.credentials ?? doc ?? {};
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw new InputError('CREDENTIALS', `credentials file ${file} must map ids to credentials`);
  }
  const credentials = new Map<string, Credential>();
  for (const [id, entry] of Object.entries(root as Record<string, unknown>)) {
    if (entry === null || typeof entry !== 'object') {
      throw new InputError('CREDENTIALS', `${file}: credential ${id} must be a mapping`);
    }
    credentials.set(id, await toCredential(file, id, entry as Entry));
  }
  return credentialStore(credentials);
}

/** A store over credentials already in memory (tests, other front ends). */
export function credentialStore(credentials: ReadonlyMap<string, Credential>): CredentialStore {
  return {
    get: (id) => credentials.get(id),
    ids: () => [...credentials.keys()],
    secrets: () => [...credentials.values()].flatMap(secretsOf),
  };
}

async function toCredential(file: string, id: string, entry: Entry): Promise<Credential> {
  const text = async (key: string, required = true): Promise<string | undefined> => {
    const value = entry[key];
    const fromFile = entry[`${key}File`];
    if (typeof fromFile === 'string') {
      return readFile(resolve(dirname(file), fromFile), 'utf8').catch(() => {
        throw new InputError('CREDENTIALS', `${file}: credential ${id}: cannot read ${key}File`);
      });
    }
    if (value !== undefined && value !== null) return String(value);
    if (required) throw new InputError('CREDENTIALS', `${file}: credential ${id} needs ${key}`);
    return undefined;
  };
  const type = String(
    entry.type ?? (entry.kubeconfig || entry.kubeconfigFile ? 'kubeconfig' : 'account'),
  );
  switch (type) {
    case 'account':
    case 'password':
      return {
        kind: type,
        username: (await text('username')) ?? '',
        password: (await text('password')) ?? '',
      };
    case 'ssh-key':
      return {
        kind: 'ssh-key',
        username: await text('username', false),
        privateKey: (await text('privateKey')) ?? '',
        passphrase: await text('passphrase', false),
      };
    case 'kubeconfig':
      return { kind: 'kubeconfig', kubeconfig: (await text('kubeconfig')) ?? '' };
    case 'token':
      return { kind: 'token', token: (await text('token')) ?? '' };
    default:
      throw new InputError(
        'CREDENTIALS',
        `${file}: credential ${id} has type "${type}"; use account, password, ssh-key, kubeconfig or token`,
      );
  }
}

function secretsOf(credential: Credential): string[] {
  switch (credential.kind) {
    case 'account':
    case 'password':
      return [credential.password];
    case 'ssh-key':
      return [
        credential.privateKey,
        credential.passphrase ?? '',
        ...longLines(credential.privateKey),
      ];
    case 'kubeconfig':
      return [credential.kubeconfig, ...longLines(credential.kubeconfig, true)];
    case 'token':
      return [credential.token];
  }
}

/** Lines of a key or kubeconfig long enough to be key material, so a partial print is masked. */
function longLines(text: string, valuesOnly = false): string[] {
  return text
    .split('\n')
    .map((line) => (valuesOnly ? line.slice(line.indexOf(':') + 1) : line).trim())
    .filter((line) => line.length >= 24 && !/^-----/.test(line) && !/^https?:/.test(line));
}
