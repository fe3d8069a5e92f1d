import { spawn } from 'node:child_process';
import { SlipwayError } from '../errors/index.js';
import type { Credential } from './credentials.js';

// Docker credential helpers: `docker-credential-<name> get|store|erase`, a
// server URL or JSON on stdin, JSON on stdout. Secrets never reach an error.

/** Options for running a helper: the environment it runs in (PATH). */
export interface HelperOptions {
  env?: NodeJS.ProcessEnv;
}

const NOT_FOUND = /credentials not found/i;

/** Ask helper `name` for the credential of `serverUrl`; undefined when it has none. */
export async function helperGet(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<Credential | undefined> {
  const result = await runHelper(name, 'get', serverUrl, options);
  if (result.status !== 0) {
    if (NOT_FOUND.test(result.stdout) || NOT_FOUND.test(result.stderr)) return undefined;
    throw helperFailed(name, 'get', serverUrl, result);
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new SlipwayError(
      'CREDENTIAL_HELPER',
      `docker-credential-${name} get ${serverUrl}: its output is not JSON`,
    );
  }
  if (!parsed.Secret) return undefined;
  if (parsed.Username === '<token>') return { identityToken: parsed.Secret };
  return { username: parsed.Username ?? '', password: parsed.Secret };
}

/** Store a credential with helper `name`. */
export async function helperStore(
  name: string,
  serverUrl: string,
  credential: { username: string; password: string },
  options: HelperOptions = {},
): Promise<void> {
  const input = JSON.stringify({
    ServerURL: serverUrl,
    Username: credential.username,
    Secret: credential.password,
  });
  const result = await runHelper(name, 'store', input, options);
  if (result.status !== 0) throw helperFailed(name, 'store', serverUrl, result);
}

/** Erase a credential with helper `name`; false when it had none. */
export async function helperErase(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<boolean> {
  const result = await runHelper(name, 'erase', serverUrl, options);
  if (result.status === 0) return true;
  if (NOT_FOUND.test(result.stdout) || NOT_FOUND.test(result.stderr)) return false;
  throw helperFailed(name, 'erase', serverUrl, result);
}

interface HelperResult {
  status: number;
  stdout: string;
  stderr: string;
}

function runHelper(
  name: string,
  verb: string,
  input: string,
  options: HelperOptions,
): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, [verb], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => {
      reject(
        new SlipwayError('CREDENTIAL_HELPER', `docker-credential-${name}: cannot run it`, {
          cause: error,
          hint: `install docker-credential-${name} or remove it from your docker config.json`,
        }),
      );
    });
    child.on('close', (status) => resolve({ status: status ?? 1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

// The helper's own output may echo a secret; only its first line of stderr
// is quoted, and only when the verb never carries a secret on stdin.
function helperFailed(name: string, verb: string, server: string, result: HelperResult) {
  const said = verb === 'store' ? '' : `: ${(result.stderr || result.stdout).split('\n')[0]}`;
  return new SlipwayError(
    'CREDENTIAL_HELPER',
    `docker-credential-${name} ${verb} ${server} exited with status ${result.status}${said}`,
  );
}
