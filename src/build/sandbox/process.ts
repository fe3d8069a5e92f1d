// Starting the host-side process of a sandbox (runc or unshare): stdio piped
// into line callbacks, and an abort that runs the back end's own kill.

import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { SandboxResult } from './types.js';

/** How to start the host process and how to kill everything it started. */
export interface LaunchPlan {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  signal?: AbortSignal;
  /** Kills the whole process tree; called on abort, repeatedly until exit. */
  kill: (pid: number) => Promise<void>;
}

const KILL_RETRY_MS = 100;

/** Run the plan; resolves with the exit code or the signal that ended it. */
export function launch(plan: LaunchPlan): Promise<SandboxResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(plan.command, plan.args, {
      cwd: plan.cwd,
      env: plan.env ?? {},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const outDone = forwardLines(child.stdout, plan.onStdout);
    const errDone = forwardLines(child.stderr, plan.onStderr);
    let timer: NodeJS.Timeout | undefined;
    let exited = false;

    const killTree = () => {
      if (exited || child.pid === undefined) return;
      plan.kill(child.pid).catch(() => {});
      // The tree may not exist yet when abort comes early: try again.
      timer = setTimeout(killTree, KILL_RETRY_MS);
    };
    const onAbort = () => killTree();
    plan.signal?.addEventListener('abort', onAbort, { once: true });
    if (plan.signal?.aborted) killTree();

    child.on('error', (error) => {
      exited = true;
      plan.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      plan.signal?.removeEventListener('abort', onAbort);
      Promise.all([outDone, errDone]).then(() => {
        if (signal) resolve({ exitCode: 128 + signalNumber(signal), signal });
        else resolve({ exitCode: code ?? 1 });
      });
    });
  });
}

/** Calls `onLine` for each complete line, and for a last line without newline. */
function forwardLines(stream: Readable, onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine?.(line);
    });
    stream.on('close', () => {
      if (pending !== '') onLine?.(pending);
      resolve();
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
