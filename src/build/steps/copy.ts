import { posix } from 'node:path';
import { type AddInstruction, type CopyInstruction, expandWord } from '../../dockerfile/index.js';
import { InputError } from '../../errors/index.js';
import { stepKey } from '../cache-key.js';
import { type CopySpec, digestCopy, executeCopy, planCopy, resolveChown } from '../copy/index.js';
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
  const sources = instruction.sources.map(word);
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
      chmod: instruction.chmod === undefined ? undefined : parseMode(word(instruction.chmod)),
      excludes: instruction.exclude.map(word),
      parents: instruction.parents,
      unpackArchives: instruction.kind === 'ADD' && instruction.unpack !== false && !remote,
      ...(root.root === run.env.contextDir && !remote
        ? { visible: run.env.visible, descendHidden: run.env.descendHidden }
        : {}),
    };
    const content =
      root.key !== undefined && !remote
        ? [root.key, spec.sources]
        : await digestCopy(await planCopy(spec, run.env.tempDir), spec);
    const chown = instruction.chown === undefined ? null : word(instruction.chown);
    const flags = [chown, spec.chmod ?? null, spec.excludes, spec.parents, spec.unpackArchives];
    const key = stepKey(run.key, instruction.kind, content, dest, flags, instruction.link);
    const createdBy = `${instruction.kind} ${[...sources, word(instruction.dest)].join(' ')} # buildkit`;
    if (await cachedStep(run, key)) return step.cached();

    await run.env.images.ensureBlobs(run.state);
    const workspace = await run.env.workspaces.open(run.state);
    try {
      if (chown !== null) spec.owner = await resolveChown(workspace.root, chown);
      const items = await planCopy(spec, workspace.root);
      await executeCopy(items, spec, workspace.root);
      run.state = await commitWorkspace(run, workspace, key, createdBy);
      run.key = key;
    } finally {
      await workspace.release();
    }
  } finally {
    await root.release();
    await remote?.release();
  }
}

/** The destination made absolute against WORKDIR; `.` and a trailing `/` mean a directory. */
function destination(run: StageRun, dest: string): string {
  const workdir = run.state.config.config?.WorkingDir || '/';
  const directory = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
  const absolute = posix.resolve(workdir, dest);
  return directory && absolute !== '/' ? `${absolute}/` : absolute;
}

function parseMode(text: string): number {
  if (!/^[0-7]{1,4}$/.test(text)) {
    throw new InputError('INVALID_CHMOD', `invalid --chmod=${text}: expected an octal mode`, {
      hint: 'write the mode in octal, e.g. --chmod=0755',
    });
  }
  return Number.parseInt(text, 8);
}
