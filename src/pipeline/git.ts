import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { promisify } from 'node:util';

// What the system parameters need from the checkout, read with git itself.

const run = promisify(execFile);

/** The facts of a checkout; fields are empty when there is no git repository. */
export interface Checkout {
  branch: string;
  commit: string;
  commitMessage: string;
  /** `owner/name` from the origin URL, else the folder name. */
  repoPath: string;
  repoUrl: string;
  author: string;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 1 << 20 });
    return stdout.trim();
  } catch {
    return '';
  }
}

/** Read branch, commit and origin of `workspace`; `commit` picks another commit. */
export async function readCheckout(workspace: string, commit?: string): Promise<Checkout> {
  const ref = commit ?? 'HEAD';
  const [branch, sha, message, url, author] = await Promise.all([
    git(workspace, 'rev-parse', '--abbrev-ref', 'HEAD'),
    git(workspace, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`),
    git(workspace, 'log', '-1', '--format=%B', ref),
    git(workspace, 'config', '--get', 'remote.origin.url'),
    git(workspace, 'log', '-1', '--format=%an', ref),
  ]);
  const fromUrl = /[:/]([^/:]+\/[^/]+?)(?:\.git)?\/?$/.exec(url)?.[1];
  return {
    branch: branch === 'HEAD' ? '' : branch,
    commit: sha || commit || '',
    commitMessage: message,
    repoPath: fromUrl ?? basename(workspace),
    repoUrl: url,
    author,
  };
}
