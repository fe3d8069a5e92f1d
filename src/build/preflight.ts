import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError, UsageError } from '../errors/index.js';
import { parseReference } from '../image/index.js';
import { storeTagName } from './exports.js';
import type { BuildOptions, BuildOutput, NamedContext } from './options.js';

// What a build checks before it runs a step: mistakes in its flags that docker
// build reports at once, rather than after minutes of steps or as a crash.

/**
 * Fail on a bad -t, a push with no name, a missing secret file, named context
 * folder or output folder. (The context itself is checked as it is loaded.)
 */
export async function preflight(options: BuildOptions): Promise<void> {
  for (const tag of options.tags) {
    storeTagName(tag);
    // As docker build: a tag names where the image goes; its digest is only known after.
    if (parseReference(tag).digest !== undefined) {
      throw new UsageError(`-t ${tag}: a tag cannot hold a digest`, {
        hint: 'give -t NAME:TAG; the build prints the digest it made',
      });
    }
  }
  const outputs = options.outputs ?? [];
  const push = options.push || outputs.some((o) => o.type === 'registry');
  if (push && options.tags.length === 0) {
    throw new UsageError('a push needs a name for the image', {
      hint: 'give -t REGISTRY/REPOSITORY:TAG',
    });
  }
  await checkSecretFiles(options.secrets ?? []);
  await checkNamedContexts(options.buildContexts ?? {});
  for (const output of outputs) await checkOutputFolder(output, options.stdout !== undefined);
}

async function isDirectory(path: string): Promise<boolean | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined ? undefined : info.isDirectory();
}

// As buildx does, a secret file that is not there fails the build before it starts,
// not at the RUN that mounts it (a directory would otherwise be copied whole).
async function checkSecretFiles(secrets: NonNullable<BuildOptions['secrets']>): Promise<void> {
  for (const secret of secrets) {
    if (!('file' in secret)) continue;
    const info = await stat(secret.file).catch(() => undefined);
    if (info?.isFile()) continue;
    const what = info ? 'is not a file' : 'does not exist';
    throw new InputError('SECRET_MISSING', `--secret ${secret.id}: ${secret.file} ${what}`, {
      hint: 'give src= the file that holds the secret, or env= a variable',
    });
  }
}

// Likewise a named context folder; an oci-layout one would be created empty by opening it.
async function checkNamedContexts(contexts: Record<string, NamedContext>): Promise<void> {
  for (const [name, named] of Object.entries(contexts)) {
    const dir = named.kind === 'dir' ? named.path : named.kind === 'oci-layout' ? named.dir : '';
    if (dir === '') continue;
    const directory = await isDirectory(dir);
    if (directory) continue;
    const what = directory === false ? 'is not a directory' : 'does not exist';
    throw new InputError('CONTEXT_MISSING', `--build-context ${name}: ${dir} ${what}`, {
      hint: 'give NAME=PATH an existing folder, or NAME=docker-image://REF',
    });
  }
}

// A tarball output needs its folder, and is no folder itself (buildx refuses both);
// a local or tar=false folder is made. `-` is stdout, when the caller gave one.
async function checkOutputFolder(output: BuildOutput, hasStdout: boolean): Promise<void> {
  if (output.type === 'store' || output.type === 'registry') return;
  const flag = `--output type=${output.type},dest=${output.dest}`;
  if (output.type === 'local' || (output.type !== 'tar' && output.tar === false)) {
    if ((await isDirectory(output.dest)) === false) {
      throw new InputError('OUTPUT_NOT_FOLDER', `${flag}: ${output.dest} is a file, not a folder`, {
        hint: 'give dest= a folder (it is made if missing), or leave out tar=false for a tarball',
      });
    }
    return;
  }
  if (output.dest === '-') {
    if (hasStdout) return;
    throw new UsageError(`${flag}: this build has no stdout to write the tarball to`, {
      hint: 'give dest= a file',
    });
  }
  if (await isDirectory(output.dest)) {
    throw new InputError('OUTPUT_IS_FOLDER', `${flag}: ${output.dest} is a folder, not a file`, {
      hint: 'give dest= a file for the tarball, or tar=false for an OCI layout folder',
    });
  }
  const folder = dirname(output.dest);
  const directory = await isDirectory(folder);
  if (directory) return;
  const what = directory === false ? 'is a file, not a folder' : 'does not exist';
  throw new InputError('OUTPUT_FOLDER_MISSING', `${flag}: ${folder} ${what}`, {
    hint: 'create the folder first, or give dest= a path in an existing one',
  });
}
