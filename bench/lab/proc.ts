import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** What a finished command left: exit code, output and wall time. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** umask (octal text) the command starts with, e.g. '077'. */
  umask?: string;
  /** Throw when the command exits non-zero (default true). */
  check?: boolean;
}

/** Runs a command to the end and collects its output; fails on a non-zero exit by default. */
export async function run(cmd: string, args: string[], options: RunOptions = {}) {
  let argv = [cmd, ...args];
  if (options.umask) argv = ['sh', '-c', `umask ${options.umask} && exec "$@"`, 'sh', ...argv];
  const started = process.hrtime.bigint();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
  const result: RunResult = {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  if (code !== 0 && options.check !== false) {
    throw new Error(`${argv.join(' ')}: exit ${code}\n${tail(result.stderr + result.stdout, 15)}`);
  }
  return result;
}

/** The last `lines` lines of a command's output, for error messages. */
export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Polls `ready` until it returns true, failing after `ms` or when `child` exits. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  child: ChildProcess,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not answer within ${ms / 1000} s`);
}

/** Stops a daemon we started (by its own PID only) and waits for it to exit. */
export async function stopChild(child: ChildProcess, ms = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}
