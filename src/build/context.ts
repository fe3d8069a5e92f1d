import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { type IgnoreMatcher, makeIgnoreMatcher, parseIgnoreFile } from '../dockerfile/ignore.js';
import { findIgnoreFile } from '../dockerfile/ignore-file.js';
import { type ParsedDockerfile, parseDockerfile } from '../dockerfile/index.js';
import { InputError } from '../errors/index.js';
import { isWithin } from '../util/fs.js';
import { withoutCredentials } from './fetch.js';
import type { BuildOptions, NamedContext } from './options.js';
import type { Progress } from './progress.js';
import { fetchContext, fetchNamedContexts } from './remote-context.js';

// What a build reads before its first step: the context (a directory, or a
// repository or URL fetched first), the Dockerfile, the ignore file, and the
// named contexts (those that are repositories or URLs fetched too).

/** The inputs of a build, ready to read. */
export interface BuildInputs {
  contextDir: string;
  parsed: ParsedDockerfile;
  /** .dockerignore as a matcher (path, isDirectory) -> hidden. */
  matcher: IgnoreMatcher;
  buildContexts: Record<string, NamedContext>;
}

/** Fetch and read the inputs of a build; remote ones land under `tempDir`. */
export async function loadInputs(
  options: BuildOptions,
  tempDir: string,
  progress: Progress,
): Promise<BuildInputs> {
  let contextDir = resolve(options.contextDir);
  let dockerfilePath = resolve(contextDir, options.dockerfile);
  const remote = options.remoteContext;
  if (remote) {
    const source = remote.kind === 'git' ? remote.source : remote.url;
    const dir = join(tempDir, 'context');
    const what = `build context ${withoutCredentials(source)}`;
    const fetched = await fetchContext(remote, dir, what, progress);
    contextDir = fetched.root;
    // A URL that is no archive is the Dockerfile itself, with an empty context.
    dockerfilePath = fetched.file ?? resolve(contextDir, options.dockerfile);
    if (!fetched.file && !isAbsolute(options.dockerfile)) {
      await checkInside(contextDir, dockerfilePath, options.dockerfile);
    }
  } else {
    await checkContextDir(contextDir);
  }
  const buildContexts = await fetchNamedContexts(options.buildContexts ?? {}, tempDir, progress);
  const text = await progress.run(
    `[internal] load build definition from ${basename(options.dockerfile)}`,
    () =>
      readDockerfile(dockerfilePath, remote ? `${options.dockerfile} in the context` : undefined),
  );
  const parsed = parseDockerfile(text, { file: options.dockerfile });
  const ignore = findIgnoreFile(contextDir, dockerfilePath);
  const matcher = makeIgnoreMatcher(ignore ? parseIgnoreFile(ignore.text, ignore.path) : []);
  return { contextDir, parsed, matcher, buildContexts };
}

const READ_ERRORS: Record<string, string> = {
  EISDIR: 'it is a directory',
  ENOENT: 'no such file',
  EACCES: 'permission denied',
};

/** The Dockerfile's text; a directory, a missing file or UTF-16 text is an input error. */
async function readDockerfile(path: string, shown = path): Promise<string> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    const why = READ_ERRORS[error.code ?? ''] ?? error.message;
    throw new InputError('DOCKERFILE_MISSING', `cannot read Dockerfile ${shown}: ${why}`, {
      hint: 'pass the Dockerfile with -f, relative to the context or absolute',
    });
  });
  const bom = bytes.subarray(0, 2).toString('hex');
  if (bom === 'fffe' || bom === 'feff') {
    throw new InputError('DOCKERFILE_ENCODING', `Dockerfile ${shown} is UTF-16 text`, {
      hint: 'save it as UTF-8, as docker build reads it',
    });
  }
  return bytes.toString('utf8');
}

/** A fetched context is not ours to trust: its Dockerfile must not be a link out of it. */
async function checkInside(contextDir: string, path: string, shown: string): Promise<void> {
  const real = await realpath(path).catch(() => path);
  if (isWithin(await realpath(contextDir), real)) return;
  throw new InputError(
    'DOCKERFILE_OUTSIDE',
    `Dockerfile ${shown} is a link out of the fetched context (to ${real})`,
    { hint: 'the Dockerfile of a git or tarball context must be a file inside it' },
  );
}

async function checkContextDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    const what = info ? 'is not a directory' : 'does not exist';
    throw new InputError('CONTEXT_MISSING', `build context ${dir} ${what}`, {
      hint: 'pass the directory that holds the files the Dockerfile copies (often .)',
    });
  }
}
