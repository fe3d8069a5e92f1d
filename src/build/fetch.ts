import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { SlipwayError } from '../errors/index.js';

// Fetching what lives outside the context: a git repository (URL#ref:subdir,
// as BuildKit reads it) and a URL. ADD uses both for its sources, and a build
// uses them for a git or tarball context. `what` starts every error message
// (`ADD git://…`, `--build-context docs=git://…`) so it names what failed.

const run = promisify(execFile);

/** Whether a source is a git repository (BuildKit's forms: git@, git://, ssh://, *.git). */
export function isGitSource(source: string): boolean {
  return /^git@|^git:\/\/|^ssh:\/\/|^https?:\/\/\S+\.git(#\S*)?$/.test(source);
}

/** Whether a source is an http(s) URL. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}

/** Text with URLs as they may be shown: user and password (a token) left out. */
export function withoutCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

/** A repository checked out by `cloneGit`. */
export interface GitCheckout {
  /** The subdirectory the fragment names (`#ref:subdir`), '' for the root. */
  subdir: string;
  /** The commit checked out. */
  commit: string;
}

/** Check out `URL#ref:subdir` into `dir` (made here), with submodules. */
export async function cloneGit(
  dir: string,
  source: string,
  what: string,
  keepGitDir: boolean,
): Promise<GitCheckout> {
  const [url = '', fragment = ''] = source.split('#');
  const [ref, subdir = ''] = fragment.split(':');
  const shown = withoutCredentials(url);
  await mkdir(dir, { recursive: true });
  const git = (args: string[]) =>
    run('git', ['-C', dir, ...args], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).catch(
      (error: Error & { stderr?: string }) => {
        const why = (error.stderr ?? error.message).trim().split('\n').at(-1) ?? '';
        throw new SlipwayError(
          'GIT_FAILED',
          `${what}: git ${args[0]} failed: ${withoutCredentials(why)}`,
          { hint: ref ? `check that ${ref} is a branch, tag or commit of ${shown}` : undefined },
        );
      },
    );
  // init and fetch rather than clone --branch: a ref can also be a commit, as BuildKit allows.
  await git(['init', '-q']);
  await git(['remote', 'add', 'origin', url]);
  await git(['fetch', '-q', '--depth', '1', 'origin', ref || 'HEAD']);
  await git(['checkout', '-q', 'FETCH_HEAD']);
  await git(['submodule', 'update', '-q', '--init', '--recursive', '--depth', '1']);
  const commit = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  if (!keepGitDir) await rm(posix.join(dir, '.git'), { recursive: true, force: true });
  return { subdir: posix.normalize(subdir || '.'), commit };
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

/** A downloaded body and its Last-Modified time. */
export interface Download {
  body: Buffer;
  modified?: Date;
}

/** GET a URL; a failure or an error status names `what` and the status. */
export async function download(url: string, what: string): Promise<Download> {
  const response = await fetch(...basicAuthRequest(url)).catch((error: Error) => {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a bad certificate) is its cause.
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    const why = cause ? `${error.message}: ${cause}` : error.message;
    throw new SlipwayError('DOWNLOAD_FAILED', `${what}: ${withoutCredentials(why)}`);
  });
  if (!response.ok) {
    throw new SlipwayError('DOWNLOAD_FAILED', `${what}: ${response.status} ${response.statusText}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  const modified = response.headers.get('last-modified');
  return { body, modified: modified ? new Date(modified) : undefined };
}
