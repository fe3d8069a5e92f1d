import type { RunInstruction } from '../../dockerfile/index.js';

// The argv of a RUN: exec form as written; shell form through the SHELL; a
// RUN that is only a here-document runs its body as the script (with its own
// interpreter when it starts with #!); other here-documents go to the shell
// with their bodies, which it reads itself.

/** The process a RUN starts. */
export function runArgv(instruction: RunInstruction, shell: string[]): string[] {
  const { command, heredocs } = instruction;
  if (command.form === 'exec') return command.args;
  if (heredocs.length === 0) return [...shell, command.text];
  const only = heredocs[0];
  const text = command.text.trim();
  if (heredocs.length === 1 && only && /^<<-?\s*["']?[A-Za-z0-9_]+["']?$/.test(text)) {
    const body = only.content;
    const shebang = /^#!(.*)\n/.exec(body);
    if (shebang) {
      const interpreter = (shebang[1] ?? '').trim().split(/\s+/);
      return [...shell, `${interpreter.join(' ')} <<'${only.name}'\n${body}${only.name}\n`];
    }
    return [...shell, body];
  }
  const bodies = heredocs.map((h) => `${h.content}${h.name}\n`).join('');
  return [...shell, `${command.text}\n${bodies}`];
}
