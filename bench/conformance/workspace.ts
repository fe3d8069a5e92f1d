import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CaseSpec, ContextChange } from './case-spec.js';

/** A case's private copy: the context (changes stay here) and the Dockerfile to build. */
export interface Workspace {
  dir: string;
  context: string;
  dockerfile: string;
}

/** Copies the case's context, writes its (possibly rewritten) Dockerfile beside it. */
export function prepareWorkspace(spec: CaseSpec, dir: string, text: string): Workspace {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'dockerfile'), { recursive: true });
  const context = join(dir, 'context');
  execFileSync('cp', ['-a', '--', spec.context, context]);
  const dockerfile = join(dir, 'dockerfile', 'Dockerfile');
  writeFileSync(dockerfile, text);
  if (spec.dockerignore) copyFileSync(spec.dockerignore, `${dockerfile}.dockerignore`);
  for (const [path, owner] of Object.entries(spec.chown ?? {})) {
    execFileSync('chown', ['-h', owner, join(context, path)]);
  }
  if (spec.prepare) execFileSync('sh', ['-ec', spec.prepare], { cwd: context, stdio: 'pipe' });
  return { dir, context, dockerfile };
}

/** Applies a case's between-builds change to the context copy. */
export function changeContext(workspace: Workspace, change: ContextChange): void {
  for (const [from, to] of change.rename ?? []) {
    renameSync(join(workspace.context, from), join(workspace.context, to));
  }
  for (const [path, content] of Object.entries(change.write ?? {})) {
    const target = join(workspace.context, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/** The Dockerfile text of a case. */
export function dockerfileText(spec: CaseSpec): string {
  return readFileSync(spec.dockerfile, 'utf8');
}
