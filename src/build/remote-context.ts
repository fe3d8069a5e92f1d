import { mkdir, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { InputError } from '../errors/index.js';
import { isWithin } from '../util/fs.js';
import { isArchive, unpackArchive } from './copy/archive.js';
import { cloneGit, download, isGitSource, isUrl, withoutCredentials } from './fetch.js';
import type { NamedContext, RemoteContext } from './options.js';
import type { Progress } from './progress.js';

// Contexts that are not directories on this machine, as docker build and
// buildx take them: a git repository (`URL#ref:subdir`, the subdirectory
// becomes the context) or a URL (a tarball, unpacked; for the main context a
// plain file is the Dockerfile of an empty context). They are fetched into
// the build's temporary directory before anything else runs; the steps then
// read them like directories, so their cache keys follow the fetched content.

/** A context argument that names a repository or URL; undefined for a directory. */
export function parseRemoteContext(text: string): RemoteContext | undefined {
  if (isGitSource(text)) return { kind: 'git', source: text };
  if (isUrl(text)) return { kind: 'url', url: text };
  return undefined;
}

/** A fetched context: its root, and the downloaded file when it was not an archive. */
export interface FetchedContext {
  root: string;
  file?: string;
}

/** Fetch a remote context into `dir`; errors start with `what` (the flag or argument). */
export async function fetchContext(
  source: RemoteContext,
  dir: string,
  what: string,
  progress: Progress,
): Promise<FetchedContext> {
  if (source.kind === 'git') {
    const shown = withoutCredentials(source.source);
    const checkout = await progress.run(`[internal] load git source ${shown}`, () =>
      cloneGit(join(dir, 'repo'), source.source, what, false),
    );
    if (checkout.subdir.startsWith('..')) {
      throw new InputError('BAD_CONTEXT', `${what}: subdirectory ${checkout.subdir} is outside`, {
        hint: 'name a directory inside the repository after the colon: #REF:DIR',
      });
    }
    const root = join(dir, 'repo', checkout.subdir);
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new InputError(
        'BAD_CONTEXT',
        `${what}: commit ${checkout.commit} has no directory ${checkout.subdir}`,
        { hint: 'check the directory after the colon in #REF:DIR' },
      );
    }
    // The repository is not ours to trust: a DIR that is a link must stay inside it.
    const real = await realpath(root);
    if (!isWithin(await realpath(join(dir, 'repo')), real)) {
      throw new InputError(
        'BAD_CONTEXT',
        `${what}: ${checkout.subdir} is a link out of the repository (to ${real})`,
        { hint: 'name a directory of the repository itself after the colon in #REF:DIR' },
      );
    }
    return { root: real };
  }
  const shown = withoutCredentials(source.url);
  const { body } = await progress.run(`[internal] load remote build context ${shown}`, () =>
    download(source.url, what),
  );
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'download');
  await writeFile(file, body, { mode: 0o600 });
  const root = join(dir, 'context');
  await mkdir(root);
  if (!(await isArchive(file))) return { root, file };
  await unpackArchive(file, root).catch((error: Error) => {
    throw new InputError('BAD_CONTEXT', `${what}: ${error.message}`, {
      hint: 'serve a tar archive (plain, gzip, bzip2, xz or zstd)',
    });
  });
  return { root };
}

/** Named contexts with every repository or URL fetched and replaced by its directory. */
export async function fetchNamedContexts(
  contexts: Record<string, NamedContext>,
  dir: string,
  progress: Progress,
): Promise<Record<string, NamedContext>> {
  const fetched: Record<string, NamedContext> = {};
  for (const [i, [name, context]] of Object.entries(contexts).entries()) {
    if (context.kind !== 'git' && context.kind !== 'url') {
      fetched[name] = context;
      continue;
    }
    const shown = withoutCredentials(context.kind === 'git' ? context.source : context.url);
    const into = join(dir, `context-${i}`);
    const what = `--build-context ${name}=${shown}`;
    const { root, file } = await fetchContext(context, into, what, progress);
    // A URL that is not an archive is a context holding that one file, named as the URL ends.
    if (file) {
      const base = context.kind === 'url' ? posix.basename(new URL(context.url).pathname) : '';
      await rename(file, join(root, base || 'download'));
    }
    fetched[name] = { kind: 'dir', path: root };
  }
  return fetched;
}
