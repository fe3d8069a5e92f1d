import { join } from 'node:path';
import { messageOf, SlipwayError, StepFailedError } from '../errors/index.js';
import type { StepContext } from '../pipeline/step.js';
import type { Host } from './agent-host-groups.js';
import { connectHost, type SshSession } from './agent-ssh.js';

// The work of a host step on each host: connect, upload the artifacts, run
// the script, with the output of each host as events under its id. Hosts run
// in parallel up to the group's limit; every host runs to its end, and then
// the failures, if any, fail the step together.

/** A local file to place in a remote folder. */
export interface Upload {
  local: string;
  /** The remote folder, as written (`~/app`, `/srv/app`, or relative to workdir). */
  target: string;
  fileName: string;
}

/** What to do on every host. */
export interface HostJob {
  uploads: Upload[];
  script: string;
}

/** How one host went. */
export interface HostOutcome {
  host: Host;
  exitCode?: number | null;
  error?: unknown;
  tail: string[];
}

const TAIL_LINES = 20;

/** Run `job` on `hosts`, at most `parallel` at once. */
export async function runOnHosts(
  hosts: readonly Host[],
  job: HostJob,
  context: StepContext,
  parallel: number,
): Promise<HostOutcome[]> {
  const outcomes: HostOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const host = hosts[next++]!;
      outcomes.push(await runOnHost(host, job, context));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, hosts.length) }, worker));
  return hosts.map((host) => outcomes.find((o) => o.host === host)!);
}

async function runOnHost(host: Host, job: HostJob, context: StepContext): Promise<HostOutcome> {
  const tail: string[] = [];
  const emitLine = (stream: 'stdout' | 'stderr', line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    context.emit({ kind: 'step.output', scope: host.id, host: host.id, stream, message: line });
  };
  context.emit({
    kind: 'agent.host.start',
    scope: host.id,
    message: `connecting to ${host.address}:${host.port}`,
  });
  let session: SshSession | undefined;
  try {
    const credential = context.credential(host.credential);
    const knownHosts = join(context.stateDir, 'known_hosts');
    session = await connectHost(host, credential, knownHosts, context.signal);
    const prelude = host.workdir
      ? `mkdir -p ${word(host.workdir)} && cd ${word(host.workdir)} && `
      : '';
    for (const upload of job.uploads) {
      const dir = await remoteDir(session, prelude + exportsOf(host), upload.target, host);
      await session.upload(upload.local, `${dir}/${upload.fileName}`);
      context.emit({
        kind: 'agent.upload',
        scope: host.id,
        message: `uploaded ${dir}/${upload.fileName}`,
      });
    }
    const script = quote(job.script);
    const command =
      `${prelude}${exportsOf(host)}if command -v bash >/dev/null 2>&1; ` +
      `then exec bash -lc ${script}; else exec sh -c ${script}; fi`;
    const result = await session.exec(command, emitLine);
    const done = result.code === 0 ? 'script finished' : `script exited with code ${result.code}`;
    context.emit({ kind: 'agent.host.done', scope: host.id, message: done, exitCode: result.code });
    return { host, exitCode: result.signal ? null : result.code, tail };
  } catch (error) {
    context.emit({
      kind: 'agent.host.failed',
      scope: host.id,
      level: 'error',
      message: messageOf(error),
    });
    return { host, error, tail };
  } finally {
    session?.close();
  }
}

/** Make the target folder and return its absolute path. */
async function remoteDir(session: SshSession, prelude: string, target: string, host: Host) {
  const lines: string[] = [];
  const errors: string[] = [];
  const command = `${prelude}mkdir -p -- ${word(target)} && cd -- ${word(target)} && pwd -P`;
  const result = await session.exec(command, (stream, line) =>
    (stream === 'stdout' ? lines : errors).push(line),
  );
  const dir = lines[lines.length - 1];
  if (result.code !== 0 || !dir?.startsWith('/')) {
    throw new SlipwayError('SSH', `${label(host)}: making folder ${target}: ${errors.join(' ')}`);
  }
  return dir;
}

/** Fail the step if any host failed, naming each host and why. */
export function failIfAny(outcomes: readonly HostOutcome[], action: string): void {
  const failed = outcomes.filter((o) => o.error !== undefined || o.exitCode !== 0);
  if (failed.length === 0) return;
  const reasons = failed.map(reasonOf);
  const first = failed[0]!;
  const tails = failed
    .filter((o) => o.tail.length > 0)
    .map((o) => o.tail.map((line) => `[${o.host.id}] ${line}`).join('\n'));
  throw new StepFailedError(
    `${action} failed on ${failed.length} of ${outcomes.length} hosts: ${reasons.join('; ')}`,
    {
      cause: first.error,
      hint: first.error instanceof SlipwayError ? first.error.hint : undefined,
      exitCode: first.exitCode ?? undefined,
      outputTail: tails.join('\n') || undefined,
    },
  );
}

function label(host: Host): string {
  return `${host.id} (${host.address}:${host.port})`;
}

/** Why a host failed; errors name their host themselves. */
function reasonOf(outcome: HostOutcome): string {
  if (outcome.error !== undefined) return messageOf(outcome.error);
  if (outcome.exitCode === null) return `${label(outcome.host)}: script killed by a signal`;
  return `${label(outcome.host)}: script exited with code ${outcome.exitCode}`;
}

function exportsOf(host: Host): string {
  return Object.entries(host.env)
    .map(([key, value]) => `export ${key}=${quote(value)}; `)
    .join('');
}

/** A remote path as a shell word: `~` stays the login home, the rest is quoted. */
export function word(path: string): string {
  if (path === '~') return '"$HOME"';
  if (path.startsWith('~/')) return `"$HOME"/${quote(path.slice(2))}`;
  return quote(path);
}

/** Single-quote a string for a POSIX shell. */
export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
