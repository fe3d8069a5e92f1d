import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { AddInstruction, CopyInstruction } from '../../dockerfile/index.js';
import { InputError, SlipwayError } from '../../errors/index.js';
import type { ProgressStep } from '../progress.js';
import type { StageRun } from '../stage.js';

// Sources that are not files of the context: here-documents (COPY <<EOF),
// URLs that ADD downloads (never unpacked, --checksum verified) and git
// repositories that ADD clones. They are written to a temporary root that the
// copy then reads like a context.

const run = promisify(execFile);

/** A temporary root holding the sources, and their names in it. */
export interface RemoteSources {
  root: string;
  sources: string[];
  /** Downloads are never unpacked. */
  unpack: boolean;
  release: () => Promise<void>;
}

/** Whether a source is a git repository ADD clones. */
export function isGitSource(source: string): boolean {
  return /^git@|^git:\/\/|^ssh:\/\/|^https?:\/\/\S+\.git(#\S*)?$/.test(source);
}

function isUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}

/** Fetch here-documents, URLs and repositories; undefined when all sources are context files. */
export async function fetchRemoteSources(
  stage: StageRun,
  instruction: CopyInstruction | AddInstruction,
  sources: string[],
  step: ProgressStep,
): Promise<RemoteSources | undefined> {
  const heredocs = new Map(instruction.heredocs.map((h) => [h.name, h]));
  const special = (s: string) =>
    heredocs.has(s.replace(/^<<-?/, '')) ||
    (instruction.kind === 'ADD' && (isUrl(s) || isGitSource(s)));
  if (!sources.some(special)) return undefined;
  if (!sources.every(special)) {
    throw new InputError(
      'MIXED_SOURCES',
      `${instruction.kind}: mixing context files with URLs or here-documents is not supported`,
      { hint: `split it into one ${instruction.kind} per kind of source` },
    );
  }
  const root = await mkdtemp(join(stage.env.tempDir, 'remote-'));
  const names: string[] = [];
  for (const [i, source] of sources.entries()) {
    const heredoc = heredocs.get(source.replace(/^<<-?/, ''));
    const name = `${i}`;
    if (heredoc) {
      await mkdir(join(root, name));
      await writeFile(join(root, name, heredoc.name), heredoc.content, { mode: 0o644 });
      names.push(`${name}/${heredoc.name}`);
    } else if (isGitSource(source)) {
      names.push(await cloneRepository(root, name, source, instruction as AddInstruction, step));
    } else {
      names.push(await download(root, name, source, instruction as AddInstruction, step));
    }
  }
  return {
    root,
    sources: names,
    unpack: false,
    release: () => rm(root, { recursive: true, force: true }),
  };
}

async function download(
  root: string,
  index: string,
  url: string,
  instruction: AddInstruction,
  step: ProgressStep,
): Promise<string> {
  const shown = withoutCredentials(url);
  step.output(`downloading ${shown}`);
  const response = await fetch(...basicAuthRequest(url)).catch((error: Error) => {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a bad certificate) is its cause.
    const cause = (error.cause as Error | undefined)?.message;
    const why = cause ? `${error.message}: ${cause}` : error.message;
    throw new SlipwayError('DOWNLOAD_FAILED', `ADD ${shown}: ${why.replaceAll(url, shown)}`);
  });
  if (!response.ok) {
    throw new SlipwayError(
      'DOWNLOAD_FAILED',
      `ADD ${shown}: ${response.status} ${response.statusText}`,
    );
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (instruction.checksum !== undefined) {
    const [algorithm = '', expected] = instruction.checksum.split(':');
    const actual = createHash(algorithm).update(body).digest('hex');
    if (actual !== expected) {
      throw new SlipwayError(
        'CHECKSUM_MISMATCH',
        `ADD ${shown}: checksum mismatch: ` +
          `expected ${instruction.checksum}, got ${algorithm}:${actual}`,
      );
    }
  }
  const base = posix.basename(new URL(url).pathname) || 'download';
  const dir = join(root, index);
  await mkdir(dir);
  const file = join(dir, base);
  await writeFile(file, body, { mode: 0o600 });
  const modified = response.headers.get('last-modified');
  if (modified) await utimes(file, new Date(modified), new Date(modified));
  return `${index}/${base}`;
}

async function cloneRepository(
  root: string,
  name: string,
  source: string,
  instruction: AddInstruction,
  step: ProgressStep,
): Promise<string> {
  const [url = '', fragment = ''] = source.split('#');
  const [ref, subdir] = fragment.split(':');
  const shown = withoutCredentials(url);
  step.output(`cloning ${shown}${ref ? ` at ${ref}` : ''}`);
  const dir = join(root, name);
  await mkdir(dir);
  // init and fetch rather than clone --branch: a ref can also be a commit, as BuildKit allows.
  const steps = [
    ['init', '-q'],
    ['remote', 'add', 'origin', url],
    ['fetch', '-q', '--depth', '1', 'origin', ref || 'HEAD'],
    ['checkout', '-q', 'FETCH_HEAD'],
    ['submodule', 'update', '-q', '--init', '--recursive', '--depth', '1'],
  ];
  for (const args of steps) {
    await run('git', ['-C', dir, ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    }).catch((error: Error & { stderr?: string }) => {
      const why = (error.stderr ?? error.message).trim().split('\n').at(-1) ?? '';
      throw new SlipwayError(
        'GIT_FAILED',
        `ADD ${shown}: git ${args[0]} failed: ${why.replaceAll(url, shown)}`,
        { hint: ref ? `check that ${ref} is a branch, tag or commit of ${shown}` : undefined },
      );
    });
  }
  if (!instruction.keepGitDir) await rm(join(dir, '.git'), { recursive: true, force: true });
  return subdir ? posix.join(name, subdir) : name;
}

/** fetch's arguments for a URL: user and password, if any, sent as basic auth as BuildKit does. */
export function basicAuthRequest(url: string): [string, RequestInit] {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return [url, {}];
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  return [parsed.href, { headers: { authorization } }];
}

/** Text with URLs as they may be shown: user and password (a token) left out. */
export function withoutCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}
