import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { StepFailedError } from '../errors/index.js';

// Running a step's commands as a shell script in its own process group, so
// that a timeout or a cancel kills the whole tree, not only the shell.

const TAIL_LINES = 20;
const KILL_GRACE_MS = 2000;

export interface ScriptOptions {
  /** Shell text; lines run in order and the first failing one stops it (`set -e`). */
  script: string;
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  /** The program and arguments that run the script; default bash. */
  shell?: string[];
}

/** Run a script; rejects with a StepFailedError carrying the exit status and output tail. */
export function runScript(options: ScriptOptions): Promise<void> {
  const shell = options.shell ?? ['/bin/bash', '-e', '-c'];
  return runProcess([...shell, options.script], options);
}

/** Run a program with arguments (`argv[0]` is the program), as runScript does. */
export function runProcess(argv: string[], options: Omit<ScriptOptions, 'script'>) {
  const [program = '/bin/bash', ...args] = argv;
  return new Promise<void>((resolve, reject) => {
    if (options.signal.aborted) return reject(options.signal.reason);
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const take = (stream: 'stdout' | 'stderr') => (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine(line, stream);
    };
    createInterface({ input: child.stdout }).on('line', take('stdout'));
    createInterface({ input: child.stderr }).on('line', take('stderr'));

    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    // Background processes left by the script would hold its output open: end them.
    child.on('exit', () => killGroup('SIGKILL'));
    child.on('error', (error) => {
      options.signal.removeEventListener('abort', onAbort);
      reject(new StepFailedError(`starting ${program}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      options.signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (options.signal.aborted) return reject(options.signal.reason);
      if (code === 0) return resolve();
      const status = code === null ? `was killed by ${signal}` : `exited with status ${code}`;
      reject(
        new StepFailedError(`commands ${status}`, {
          exitCode: code ?? undefined,
          outputTail: tail.join('\n'),
        }),
      );
    });
  });
}
