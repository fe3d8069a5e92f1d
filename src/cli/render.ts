import type { Emit, Masker, SlipwayEvent } from '../log/index.js';
import { lineFor } from '../util/ansi.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';

/**
 * Turn events into output lines; every line passes the masker first. Plain and
 * quiet lines lose ANSI escapes unless `stream` is a terminal; JSON keeps the
 * event's text as the step printed it.
 */
export function makeRenderer(
  mode: ProgressMode,
  masker: Masker,
  stream: NodeJS.WriteStream = process.stderr,
): Emit {
  const resolved = mode === 'auto' ? (stream.isTTY ? 'tty' : 'plain') : mode;
  const line = lineFor(stream);
  if (resolved === 'quiet') {
    return (event) => {
      if (event.level === 'error' || event.level === 'warn')
        stream.write(`${masker.mask(line(plainLine(event)))}\n`);
    };
  }
  if (resolved === 'json') {
    return (event) =>
      stream.write(
        `${masker.mask(JSON.stringify({ time: new Date().toISOString(), ...event }))}\n`,
      );
  }
  return (event) => {
    if (event.level === 'debug' && !process.env.SLIPWAY_DEBUG) return;
    stream.write(`${masker.mask(line(plainLine(event)))}\n`);
  };
}

function plainLine(event: SlipwayEvent): string {
  const scope = event.scope ? `[${event.scope}] ` : '';
  const level = event.level === 'warn' ? 'warning: ' : event.level === 'error' ? 'error: ' : '';
  return `${scope}${level}${event.message ?? event.kind}`;
}
