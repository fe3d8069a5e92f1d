import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import {
  type AddInstruction,
  type CopyInstruction,
  expandHeredoc,
} from '../../dockerfile/index.js';
import { InputError, SlipwayError } from '../../errors/index.js';
import { cloneGit, download, isGitSource, isUrl, withoutCredentials } from '../fetch.js';
import type { ProgressStep } from '../progress.js';
import type { StageRun } from '../stage.js';

// Sources that are not files of the context: here-documents (COPY <<EOF),
// URLs that ADD downloads (never unpacked, --checksum verified) and git
// repositories that ADD clones. They are written to a temporary root that the
// copy then reads like a context.

/** A temporary root holding the sources, and their names in it. */
export interface RemoteSources {
  root: string;
  sources: string[];
  /** Downloads are never unpacked. */
  unpack: boolean;
  release: () => Promise<void>;
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
  const lookup = stage.scope.lookupIn(stage.state.config.config?.Env ?? []);
  const root = await mkdtemp(join(stage.env.tempDir, 'remote-'));
  const names: string[] = [];
  for (const [i, source] of sources.entries()) {
    const heredoc = heredocs.get(source.replace(/^<<-?/, ''));
    const name = `${i}`;
    if (heredoc) {
      await mkdir(join(root, name));
      // An unquoted delimiter (<<EOF, not <<"EOF") has the body's variables expanded.
      const content = heredoc.expand ? expandHeredoc(heredoc.content, lookup) : heredoc.content;
      await writeFile(join(root, name, heredoc.name), content, { mode: 0o644 });
      names.push(`${name}/${heredoc.name}`);
    } else if (isGitSource(source)) {
      names.push(await cloneSource(root, name, source, instruction as AddInstruction, step));
    } else {
      names.push(await downloadSource(root, name, source, instruction as AddInstruction, step));
    }
  }
  return {
    root,
    sources: names,
    unpack: false,
    release: () => rm(root, { recursive: true, force: true }),
  };
}

async function downloadSource(
  root: string,
  index: string,
  url: string,
  instruction: AddInstruction,
  step: ProgressStep,
): Promise<string> {
  const shown = withoutCredentials(url);
  step.output(`downloading ${shown}`);
  const { body, modified } = await download(url, `ADD ${shown}`);
  if (instruction.checksum !== undefined) {
    const [algorithm = '', expected] = instruction.checksum.split(':');
    const actual = createHash(algorithm).update(body).digest('hex');
    if (actual !== expected) {
      throw new SlipwayError(
        'CHECKSUM_MISMATCH',
        `ADD ${url}: checksum mismatch: expected ${instruction.checksum}, got ${algorithm}:${actual}`,
      );
    }
  }
  const base = posix.basename(new URL(url).pathname) || 'download';
  const dir = join(root, index);
  await mkdir(dir);
  const file = join(dir, base);
  await writeFile(file, body, { mode: 0o600 });
  if (modified) await utimes(file, modified, modified);
  return `${index}/${base}`;
}

async function cloneSource(
  root: string,
  name: string,
  source: string,
  instruction: AddInstruction,
  step: ProgressStep,
): Promise<string> {
  const [url = '', fragment = ''] = source.split('#');
  const ref = fragment.split(':')[0];
  const shown = withoutCredentials(url);
  step.output(`cloning ${shown}${ref ? ` at ${ref}` : ''}`);
  const dir = join(root, name);
  const { subdir } = await cloneGit(dir, source, `ADD ${shown}`, instruction.keepGitDir);
  return posix.join(name, subdir);
}
