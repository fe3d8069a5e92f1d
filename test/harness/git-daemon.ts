import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './registry.js';

// A git repository served by `git daemon` on 127.0.0.1, for ADD of git
// sources and git contexts: two commits, the first tagged v1, the second on
// main (with any further files and symbolic links a test gives, such as a
// Dockerfile).

const run = promisify(execFile);

/** A served repository: its git:// URL and the commits it holds. */
export interface GitServer {
  url: string;
  /** The commit tagged v1 (app.sh says one). */
  first: string;
  /** The commit at main (app.sh says two, docs/readme.txt added). */
  second: string;
  stop(): Promise<void>;
}

/** Make `repo.git` under `dir` and serve it; resolves once the daemon answers. */
export async function startGitServer(
  dir: string,
  files: Record<string, string> = {},
  links: Record<string, string> = {},
): Promise<GitServer> {
  const work = join(dir, 'work');
  const git = (...args: string[]) =>
    run('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await mkdir(work, { recursive: true });
  await git('init', '-q', '-b', 'main');
  await writeFile(join(work, 'app.sh'), 'echo one\n');
  await chmod(join(work, 'app.sh'), 0o755);
  await git('add', '.');
  await git('commit', '-q', '-m', 'one');
  await git('tag', 'v1');
  await writeFile(join(work, 'app.sh'), 'echo two\n');
  await mkdir(join(work, 'docs'));
  await writeFile(join(work, 'docs/readme.txt'), 'read me\n');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(work, path)), { recursive: true });
    await writeFile(join(work, path), content);
  }
  for (const [path, target] of Object.entries(links)) {
    await mkdir(dirname(join(work, path)), { recursive: true });
    await symlink(target, join(work, path));
  }
  await git('add', '.');
  await git('commit', '-q', '-m', 'two');
  const rev = async (ref: string) => (await git('rev-parse', ref)).stdout.trim();
  const [first, second] = [await rev('v1'), await rev('main')];
  await run('git', ['clone', '-q', '--bare', work, join(dir, 'repo.git')]);

  const port = await freePort();
  const daemon: ChildProcess = spawn(
    'git',
    ['daemon', '--export-all', `--base-path=${dir}`, '--listen=127.0.0.1', `--port=${port}`, dir],
    { stdio: 'ignore' },
  );
  const url = `git://127.0.0.1:${port}/repo.git`;
  for (let i = 0; ; i += 1) {
    const answered = await run('git', ['ls-remote', url]).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (i === 50) throw new Error(`git daemon on port ${port} did not answer`);
    await sleep(100);
  }
  return {
    url,
    first,
    second,
    stop: async () => {
      daemon.kill();
    },
  };
}
