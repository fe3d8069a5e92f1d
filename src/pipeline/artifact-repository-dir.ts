import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, InputError, withContext } from '../errors/index.js';
import { tempSibling, writeFileAtomic } from '../util/fs.js';
import {
  type ArtifactRepository,
  type ArtifactVersion,
  isValidArtifactName,
  latestOf,
} from './artifact-repository.js';
import { withDirectoryLock } from './artifact-repository-lock.js';

// The default artifact repository: a folder on disk.
//   ROOT/NAME/index.json            {name, versions: [...]} oldest first
//   ROOT/NAME/VERSION/NAME.tar.gz   the stored file, never rewritten
// The file is written before the index, both atomically, under a lock, so a
// reader sees either the old index or the new one with its file in place.

interface Index {
  name: string;
  versions: ArtifactVersion[];
}

/** Open (or create on first write) a directory artifact repository. */
export function directoryRepository(name: string, root: string): ArtifactRepository {
  const indexPath = (artifact: string) => join(root, artifact, 'index.json');

  async function readIndex(artifact: string): Promise<Index> {
    try {
      return JSON.parse(await readFile(indexPath(artifact), 'utf8')) as Index;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { name: artifact, versions: [] };
      throw withContext(`reading the index of ${artifact} in ${root}`, error);
    }
  }

  async function allVersions(): Promise<ArtifactVersion[]> {
    const indexes = await Promise.all((await names()).map(readIndex));
    return indexes.flatMap((index) => index.versions);
  }

  async function names(): Promise<string[]> {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    const found = entries.filter((e) => e.isDirectory() && isValidArtifactName(e.name));
    return found.map((e) => e.name).sort();
  }

  return {
    name,
    kind: 'directory',
    names,
    versions: async (artifact) => (await readIndex(artifact)).versions,

    async put(artifact, file, rule, labels = {}) {
      checkName(artifact);
      await mkdir(root, { recursive: true });
      return withDirectoryLock(root, async () => {
        const index = await readIndex(artifact);
        const version =
          rule.kind === 'next' ? nextCounter(index.versions) : rule.choose(await allVersions());
        if (index.versions.some((v) => v.version === version)) {
          throw new InputError(
            'ARTIFACT_EXISTS',
            `${artifact} ${version} already exists in ${name}`,
          );
        }
        const target = join(root, artifact, version, `${artifact}.tar.gz`);
        const { sha256, size } = await copyHashed(file, target);
        const stored = { name: artifact, version, sha256, size, created: now(), labels };
        index.versions.push(stored);
        await writeFileAtomic(indexPath(artifact), `${JSON.stringify(index, null, 2)}\n`);
        return stored;
      });
    },

    async fetch(artifact, version, dest) {
      const versions = (await readIndex(artifact)).versions;
      const found =
        version === 'latest' ? latestOf(versions) : versions.find((v) => v.version === version);
      if (!found) {
        const known = versions.map((v) => v.version).join(', ') || 'none';
        throw new InputError('ARTIFACT_NOT_FOUND', `${artifact} ${version} is not in ${name}`, {
          hint: `versions stored: ${known}`,
        });
      }
      const source = join(root, artifact, found.version, `${artifact}.tar.gz`);
      const copied = await copyHashed(source, dest);
      if (copied.sha256 !== found.sha256) {
        await rm(dest, { force: true });
        throw new DigestMismatchError(
          `${source}: sha256 ${copied.sha256} does not match the recorded ${found.sha256}`,
        );
      }
      return found;
    },
  };
}

function checkName(artifact: string): void {
  if (!isValidArtifactName(artifact)) {
    throw new InputError('ARTIFACT_NAME', `"${artifact}" is not a valid artifact name`, {
      hint: 'use letters, digits, ".", "_" and "-", starting with a letter or digit',
    });
  }
}

function nextCounter(versions: readonly ArtifactVersion[]): string {
  const numbers = versions.map((v) => Number(v.version)).filter(Number.isInteger);
  return String(Math.max(0, ...numbers) + 1);
}

function now(): string {
  return new Date().toISOString();
}

/** Copy a file to `target` atomically, hashing on the way. */
async function copyHashed(file: string, target: string): Promise<{ sha256: string; size: number }> {
  await stat(file).catch((error) => {
    throw withContext(`reading artifact file ${file}`, error);
  });
  await mkdir(join(target, '..'), { recursive: true });
  const temp = tempSibling(target);
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(file), tap, createWriteStream(temp));
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { sha256: hash.digest('hex'), size };
}
