import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { slipwayBin } from './example.js';

// Runs the slipway CLI on a real pseudo-terminal (Python's pty module), so that
// stdin is a TTY as when a person types, and answers prompts as they appear.

const run = promisify(execFile);

/** What a run on a terminal printed (stdout and stderr merged, as on a screen). */
export interface TerminalResult {
  status: number;
  screen: string;
  /** How many of the answers were typed (each only once its prompt showed). */
  typed: number;
}

/** An answer typed once `prompt` shows on the screen. */
export interface Answer {
  prompt: string;
  type: string;
}

// argv: answers as JSON, then the command. Reads the terminal until the child
// exits; types each answer after its prompt; exits 90 + nothing if it hangs.
const DRIVER = `
import json, os, pty, select, sys, time
answers = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
screen, typed, start = b"", 0, 0
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        screen += data
    if typed < len(answers):
        at = screen.find(answers[typed]["prompt"].encode(), start)
        if at >= 0:
            start = at + len(answers[typed]["prompt"])
            os.write(fd, answers[typed]["type"].encode())
            typed += 1
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(json.dumps({"status": os.waitstatus_to_exitcode(status),
    "typed": typed, "screen": screen.decode("utf-8", "replace")}).encode())
`;

/** Run `slipway ARGS` in `cwd` on a terminal, typing `answers` in order. */
export async function runOnTerminal(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  answers: Answer[],
): Promise<TerminalResult> {
  const { stdout } = await run(
    'python3',
    ['-c', DRIVER, JSON.stringify(answers), process.execPath, slipwayBin, ...args],
    { cwd, env, maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout) as TerminalResult;
  return { ...result, screen: result.screen.replaceAll('\r\n', '\n') };
}
