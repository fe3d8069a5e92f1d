import { execFile, spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The examples/ folder as a user meets it: copied into a fresh git checkout
// and run with the built `slipway` command line, in a child process so that
// servers inside the test process (the fake API server) keep answering.

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The compiled CLI entry point. */
export const slipwayBin = join(repoRoot, 'dist', 'src', 'cli', 'bin.js');

/** Copy `examples/<name>` (without build output) to `dest` and commit it on main. */
export async function checkoutExample(name: string, dest: string): Promise<void> {
  const source = join(repoRoot, 'examples', name);
  await cp(source, dest, {
    recursive: true,
    filter: (path) => !path.startsWith(join(source, 'target')),
  });
  const git = (...args: string[]) => run('git', args, { cwd: dest });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', 'commit', '-qm', 'example');
}

/** What one `slipway` command did. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `slipway ARGS` in `cwd` with exactly `env`. */
export function runSlipway(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [slipwayBin, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
