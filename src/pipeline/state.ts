import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';

// A pipeline's state under statePaths().pipelines: its build number, which
// counts up across runs and restarts, its run lock, and one folder per run.

/** The folder of one pipeline of one workspace: `<name>-<hash of the workspace>`. */
export function pipelineDir(pipelinesRoot: string, name: string, workspace: string): string {
  const hash = createHash('sha256').update(workspace).digest('hex').slice(0, 10);
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'pipeline';
  return join(pipelinesRoot, `${safe}-${hash}`);
}

/** Take the next build number; a short-lived lock keeps two runs from sharing one. */
export async function nextBuildNumber(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'build-number');
  return withMutex(join(dir, 'build-number.lock'), async () => {
    const text = await readFile(file, 'utf8').catch(() => '0');
    const next = (Number.parseInt(text, 10) || 0) + 1;
    await writeFileAtomic(file, `${next}\n`);
    return next;
  });
}

async function withMutex<T>(lock: string, body: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  try {
    return await body();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Held while a `blocking` pipeline runs; release() when done. */
export interface RunLock {
  release(): Promise<void>;
}

/**
 * Take the run lock of a pipeline. A lock left by a process that no longer
 * lives is taken over; one held by a live process is an error naming it.
 */
export async function takeRunLock(dir: string, buildNumber: number): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'run.lock');
  const owner = JSON.stringify({ pid: process.pid, buildNumber });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, owner, { flag: 'wx' });
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await readFile(file, 'utf8').catch(() => '{}');
    const { pid, buildNumber: other } = JSON.parse(held || '{}') as {
      pid?: number;
      buildNumber?: number;
    };
    if (pid !== undefined && alive(pid)) {
      throw new SlipwayError(
        'PIPELINE_BLOCKED',
        `pipeline is blocking and run #${other} is still running (pid ${pid})`,
        {
          hint: 'wait for it to finish, or remove strategy.blocking to let runs overlap',
        },
      );
    }
    await rm(file, { force: true });
  }
  throw new SlipwayError('PIPELINE_BLOCKED', `cannot take the run lock ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The build number the next run will get, without taking it. */
export async function peekBuildNumber(dir: string): Promise<number> {
  const text = await readFile(join(dir, 'build-number'), 'utf8').catch(() => '0');
  return (Number.parseInt(text, 10) || 0) + 1;
}
