import { chown, lstat, mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { expandWord, type WorkdirInstruction } from '../../dockerfile/index.js';
import { stepKey } from '../cache-key.js';
import { fileOpOwner, resolveInRoot } from '../copy/index.js';
import type { ProgressStep } from '../progress.js';
import type { StageRun } from '../stage.js';
import { cachedStep, commitWorkspace } from './commit.js';

// WORKDIR sets the working directory (relative paths against the previous
// one) and creates it, owned by the USER in effect, as BuildKit does. The
// history entry has no `# buildkit` suffix; no layer when nothing changed.

/** Run a WORKDIR instruction. */
export async function runWorkdir(
  run: StageRun,
  instruction: WorkdirInstruction,
  step: ProgressStep,
) {
  const config = run.state.config.config ?? {};
  const path = expandWord(instruction.path, run.scope.lookupIn(config.Env ?? []));
  const dir = posix.resolve(config.WorkingDir || '/', path);
  run.state = {
    ...run.state,
    config: { ...run.state.config, config: { ...config, WorkingDir: dir } },
  };
  const key = stepKey(run.key, 'WORKDIR', dir, config.User ?? '');
  if (await cachedStep(run, key)) return step.cached();

  await run.env.images.ensureBlobs(run.state);
  const workspace = await run.env.workspaces.open(run.state);
  try {
    // As BuildKit's mkdir: a USER name without an entry in the image means root.
    const user = config.User ? await fileOpOwner(workspace.root, config.User) : undefined;
    await makeDirectories(workspace.root, dir, user);
    run.state = await commitWorkspace(run, workspace, key, `WORKDIR ${dir}`);
    run.key = key;
  } finally {
    await workspace.release();
  }
}

async function makeDirectories(root: string, dir: string, user?: { uid: number; gid: number }) {
  if (dir === '/') return;
  await makeDirectories(root, posix.dirname(dir), user);
  const host = await resolveInRoot(root, dir);
  if (await lstat(host).catch(() => undefined)) return;
  await mkdir(host, { mode: 0o755 });
  if (user) await chown(host, user.uid, user.gid);
}
