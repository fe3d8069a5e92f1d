import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

// Real OpenSSH servers for host deployment tests: each listens on 127.0.0.1
// on a free port with its own ed25519 host key, runs as root with its own
// authorized_keys file, and stops with the test.

const run = promisify(execFile);

/** An ed25519 key pair made by ssh-keygen; `publicKey` is the one-line form. */
export interface KeyPair {
  privateKey: string;
  publicKey: string;
  path: string;
}

/** Make a key pair with no passphrase under `dir`. */
export async function generateKey(dir: string, name: string): Promise<KeyPair> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  const publicKey = (await readFile(`${path}.pub`, 'utf8')).trim();
  return { privateKey: await readFile(path, 'utf8'), publicKey, path };
}

/** A running sshd. */
export interface Sshd {
  port: number;
  /** The host key as `ssh-ed25519 AAAA…`, without the comment. */
  hostKey: string;
  dir: string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** How a test sshd lets users in besides the listed keys. */
export interface SshdOptions {
  /** Also accept passwords (checked against /etc/shadow). */
  passwords?: boolean;
}

/** Start sshd in `dir` accepting the given public keys. */
export async function startSshd(
  dir: string,
  authorizedKeys: string[],
  options: SshdOptions = {},
): Promise<Sshd> {
  await mkdir(dir, { recursive: true });
  const hostKeyPair = await generateKey(dir, 'host_ed25519');
  const hostKey = hostKeyPair.publicKey.split(' ').slice(0, 2).join(' ');
  await writeFile(join(dir, 'authorized_keys'), `${authorizedKeys.join('\n')}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyPair.path}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin yes',
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${options.passwords ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      'Subsystem sftp internal-sftp',
      // INFO: sshd says when it listens (see waitForListening).
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  await mkdir('/run/sshd', { recursive: true });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  await waitForListening(port, child, () => stderr);
  return { port, hostKey, dir, stop: () => stop(child) };
}

// Another suite's sshd may take the same free port a moment earlier, so a
// connection to the port proves nothing: wait for our sshd to say it listens.
async function waitForListening(port: number, child: ChildProcess, stderr: () => string) {
  const listening = `Server listening on 127.0.0.1 port ${port}`;
  for (let attempt = 0; attempt < 400; attempt++) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${stderr()}`);
    if (stderr().includes(listening)) return;
    await sleep(25);
  }
  throw new Error(`sshd did not listen on ${port}: ${stderr()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A local account made for one test, logging in with a password. */
export interface LocalUser {
  name: string;
  home: string;
  remove(): Promise<void>;
}

/** Make user `name` (unique per test process) with `password` and its home under `dir`. */
export async function createLocalUser(
  dir: string,
  name: string,
  password: string,
): Promise<LocalUser> {
  const home = join(dir, name);
  await run('useradd', ['-m', '-d', home, '-s', '/bin/sh', name]);
  const chpasswd = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'pipe'] });
  const done = new Promise<number | null>((resolve) => chpasswd.once('close', resolve));
  chpasswd.stdin?.end(`${name}:${password}\n`);
  if ((await done) !== 0) throw new Error(`chpasswd failed for ${name}`);
  return { name, home, remove: () => run('userdel', ['-f', name]).then(() => undefined) };
}
