import { Client, type ConnectConfig } from 'ssh2';
import { SlipwayError } from '../errors/index.js';
import type { Credential } from '../pipeline/step.js';
import type { Host } from './agent-host-groups.js';
import { checkHostKey, HostKeyError } from './agent-known-hosts.js';

// A small face over ssh2 for host deployment: connect with host key checks,
// run a command streaming its lines, upload a file over SFTP.

/** An SSH connection to one host. */
export interface SshSession {
  /** Run `command`; each output line goes to `onLine`; resolves to the exit status. */
  exec(command: string, onLine: LineSink): Promise<ExecResult>;
  /** Copy a local file to an absolute remote path. */
  upload(local: string, remote: string): Promise<void>;
  close(): void;
}

/** Where command output lines go. */
export type LineSink = (stream: 'stdout' | 'stderr', line: string) => void;

/** How a remote command ended. */
export interface ExecResult {
  code: number | null;
  signal?: string;
}

/** A connection that could not be made or kept; says which host and why. */
export class SshError extends SlipwayError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('SSH', message, options);
  }
}

const READY_TIMEOUT_MS = 20_000;

/** Connect to `host` with `credential`, checking its host key. */
export function connectHost(
  host: Host,
  credential: Credential,
  knownHostsFile: string,
  signal?: AbortSignal,
): Promise<SshSession> {
  const client = new Client();
  const where = `host ${host.id} (${host.address}:${host.port})`;
  const user = loginUser(host, credential);
  let keyError: unknown;
  const config: ConnectConfig = {
    host: host.address,
    port: host.port,
    username: user,
    readyTimeout: READY_TIMEOUT_MS,
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      checkHostKey(host, key, knownHostsFile).then(
        () => verify(true),
        (error) => {
          keyError = error;
          verify(false);
        },
      );
    },
    ...authentication(credential, where),
  };
  return new Promise((resolve, reject) => {
    const onAbort = () => client.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => resolve(session(client, where)));
    client.once('error', (error: Error & { level?: string; code?: string }) => {
      signal?.removeEventListener('abort', onAbort);
      reject(connectError(where, { ...host, user }, error, keyError));
    });
    client.connect(config);
  });
}

/** The host group's user, else the credential's username, else root. */
function loginUser(host: Host, credential: Credential): string {
  if (host.user !== undefined) return host.user;
  const named = 'username' in credential ? credential.username : undefined;
  return named || 'root';
}

function authentication(credential: Credential, where: string): Partial<ConnectConfig> {
  if (credential.kind === 'ssh-key') {
    return { privateKey: credential.privateKey, passphrase: credential.passphrase };
  }
  if (credential.kind === 'password') return { password: credential.password };
  throw new SshError(`${where}: a ${credential.kind} credential cannot log in over SSH`, {
    hint: 'give the host group an ssh-key or password credential',
  });
}

function connectError(
  where: string,
  host: Host,
  error: Error & { level?: string; code?: string },
  keyError: unknown,
): SlipwayError {
  if (keyError instanceof HostKeyError) return keyError;
  if (error.code === 'ECONNREFUSED') {
    return new SshError(`connecting to ${where}: connection refused`, {
      cause: error,
      hint: 'check that sshd runs there and that address and port in the host group are right',
    });
  }
  if (error.level === 'client-authentication') {
    return new SshError(
      `logging in to ${where} as ${host.user}: the server refused the credential`,
      {
        cause: error,
        hint: `check that credential ${host.credential} is authorised for ${host.user} on the host`,
      },
    );
  }
  if (error.level === 'client-timeout') {
    return new SshError(`connecting to ${where}: no SSH handshake within 20s`, { cause: error });
  }
  return new SshError(`connecting to ${where}: ${error.message}`, { cause: error });
}

function session(client: Client, where: string): SshSession {
  return {
    exec: (command, onLine) =>
      new Promise((resolve, reject) => {
        client.exec(command, (error, channel) => {
          if (error) return reject(new SshError(`${where}: starting a command: ${error.message}`));
          const stdout = lineSplitter((line) => onLine('stdout', line));
          const stderr = lineSplitter((line) => onLine('stderr', line));
          channel.on('data', stdout.push);
          channel.stderr.on('data', stderr.push);
          channel.on('close', (code: number | null, signal?: string) => {
            stdout.end();
            stderr.end();
            resolve({ code: code ?? null, signal: signal || undefined });
          });
        });
      }),
    upload: (local, remote) =>
      new Promise((resolve, reject) => {
        client.sftp((error, sftp) => {
          if (error) return reject(new SshError(`${where}: opening SFTP: ${error.message}`));
          sftp.fastPut(local, remote, (putError) => {
            sftp.end();
            if (putError)
              reject(new SshError(`${where}: uploading to ${remote}: ${putError.message}`));
            else resolve();
          });
        });
      }),
    close: () => client.end(),
  };
}

/** Turns chunks into whole lines; `end` flushes a last line without newline. */
function lineSplitter(sink: (line: string) => void) {
  let rest = '';
  return {
    push: (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) sink(line.replace(/\r$/, ''));
    },
    end: () => {
      if (rest !== '') sink(rest);
      rest = '';
    },
  };
}
