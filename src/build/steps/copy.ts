import { posix } from 'node:path';
import { type AddInstruction, type CopyInstruction, expandWord } from '../../dockerfile/index.js';
import { stepKey } from '../cache-key.js';
import {
  type CopySpec,
  digestCopy,
  executeCopy,
  parseModeChange,
  planCopy,
  resolveChown,
} from '../copy/index.js';
import { withoutCredentials } from '../fetch.js';
import type { ProgressStep } from '../progress.js';
import type { StageRun } from '../stage.js';
import { cachedStep, commitWorkspace } from './commit.js';
import { fetchRemoteSources } from './remote.js';
import { sourceRoot } from './sources.js';

// COPY and ADD as steps: sources expanded and matched, the content digest in
// the key (or the key of the stage or image --from names), then the copy
// into a workspace over the stage's layers.

/** Run a COPY or ADD instruction (or find its result in the cache). */
export async function runCopy(
  run: StageRun,
  instruction: CopyInstruction | AddInstruction,
  step: ProgressStep,
): Promise<void> {
  const lookup = run.scope.lookupIn(run.state.config.config?.Env ?? []);
  const word = (text: string) => expandWord(text, lookup);
  const heredocs = instruction.heredocs.map((h) => `<<${h.name}`);
  const sources = [...instruction.sources.map(word), ...heredocs];
  const dest = destination(run, word(instruction.dest));
  const from = instruction.kind === 'COPY' ? instruction.from : undefined;
  const root = await sourceRoot(run, from === undefined ? undefined : word(from));
  const remote = await fetchRemoteSources(run, instruction, sources, step);
  try {
    const spec: CopySpec = {
      srcRoot: remote?.root ?? root.root,
      sources: remote?.sources ?? sources,
      dest,
      fromContext: root.fromContext,
      chmod: instruction.chmod === undefined ? undefined : parseModeChange(word(instruction.chmod)),
      excludes: instruction.exclude.map(word),
      parents: instruction.parents,
      unpackArchives: instruction.kind === 'ADD' && instruction.unpack !== false && !remote,
      ...(remote ? {} : root.ignore),
    };
    const content =
      root.key !== undefined && !remote
        ? [root.key, spec.sources]
        : await digestCopy(await planCopy(spec, run.env.tempDir), spec, run.env.hashes);
    const chown = instruction.chown === undefined ? null : word(instruction.chown);
    const flags = [
      chown,
      spec.chmod?.key ?? null,
      spec.excludes,
      spec.parents,
      spec.unpackArchives,
    ];
    const key = stepKey(run.key, instruction.kind, content, dest, flags, instruction.link);
    const command = [instruction.kind, ...sources, word(instruction.dest)].join(' ');
    const createdBy = `${withoutCredentials(command)} # buildkit`;
    if (await cachedStep(run, key)) return step.cached();

    await run.env.images.ensureBlobs(run.state);
    if (chown !== null) spec.owner = await ownerFor(run, chown);
    // --link: the files land on an empty root, so the layer does not depend on what is below.
    const below = instruction.link ? { ...run.state, layers: [] } : run.state;
    const workspace = await run.env.workspaces.open(below);
    try {
      const items = await planCopy(spec, workspace.root);
      await executeCopy(items, spec, workspace.root);
      run.state = await commitWorkspace(run, workspace, key, createdBy, !instruction.link);
      run.key = key;
    } finally {
      await workspace.release();
    }
  } finally {
    await root.release();
    await remote?.release();
  }
}

/** --chown resolved against the stage's files (numeric ids need none). */
async function ownerFor(run: StageRun, chown: string) {
  if (/^\d+(:\d+)?$/.test(chown)) return resolveChown('/nonexistent', chown);
  const view = await run.env.workspaces.view(run.state);
  try {
    return await resolveChown(view.root, chown);
  } finally {
    await view.release();
  }
}

/** The destination made absolute against WORKDIR; `.` and a trailing `/` mean a directory. */
function destination(run: StageRun, dest: string): string {
  const workdir = run.state.config.config?.WorkingDir || '/';
  const directory = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
  const absolute = posix.resolve(workdir, dest);
  return directory && absolute !== '/' ? `${absolute}/` : absolute;
}
