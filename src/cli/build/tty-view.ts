import type { Emit, Masker, SlipwayEvent } from '../../log/index.js';

// The live build view on a terminal, like BuildKit's: one line per step with
// its duration, CACHED steps marked, the last lines of a running step's output
// under it (folded away once it is done), redrawn in place.

const OUTPUT_LINES = 6;
const REDRAW_MS = 100;

interface StepLine {
  name: string;
  started: number;
  seconds?: number;
  cached?: boolean;
  failed?: boolean;
  output: string[];
}

/** An Emit that draws the live view on `stream`; call `finish()` at the end. */
export function ttyBuildView(masker: Masker, stream: NodeJS.WriteStream) {
  const steps = new Map<number, StepLine>();
  const started = performance.now();
  const notes: string[] = [];
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const draw = (final = false) => {
    const width = stream.columns || 100;
    const elapsed = ((performance.now() - started) / 1000).toFixed(1);
    const done = [...steps.values()].filter((s) => s.seconds !== undefined || s.cached).length;
    const lines = [`[+] Building ${elapsed}s (${done}/${steps.size})${final ? ' FINISHED' : ''}`];
    for (const step of steps.values()) {
      const seconds = step.seconds ?? (performance.now() - step.started) / 1000;
      const prefix = step.failed ? ' => ERROR ' : step.cached ? ' => CACHED ' : ' => ';
      const time = `${seconds.toFixed(1)}s`;
      const text = `${prefix}${step.name}`.slice(0, width - time.length - 2);
      lines.push(`${text.padEnd(width - time.length - 1)}${time}`);
      if (step.seconds === undefined && !step.cached && !final) {
        for (const line of step.output.slice(-OUTPUT_LINES)) {
          lines.push(` => => ${line}`.slice(0, width - 1));
        }
      }
    }
    for (const note of notes) lines.push(note.slice(0, width - 1));
    const up = drawn > 0 ? `\x1b[${drawn}A` : '';
    stream.write(`${up}\x1b[J${lines.map((l) => masker.mask(l)).join('\n')}\n`);
    drawn = lines.length;
  };
  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      draw();
    }, REDRAW_MS);
  };

  const emit: Emit = (event: SlipwayEvent) => {
    const id = event.step as number | undefined;
    const step = id === undefined ? undefined : steps.get(id);
    switch (event.kind) {
      case 'build.step.start':
        steps.set(id as number, {
          name: String(event.name),
          started: performance.now(),
          output: [],
        });
        break;
      case 'build.step.output':
        step?.output.push(String(event.line));
        if (step && step.output.length > OUTPUT_LINES) step.output.shift();
        break;
      case 'build.step.cached':
        if (step) step.cached = true;
        break;
      case 'build.step.done':
        if (step) step.seconds = Number(event.seconds);
        break;
      case 'build.step.error':
        if (step) {
          step.failed = true;
          step.seconds = (performance.now() - step.started) / 1000;
        }
        break;
      default:
        if (event.level === 'warn' || event.level === 'error') {
          notes.push(`${event.level === 'warn' ? 'WARNING: ' : ''}${event.message ?? event.kind}`);
        }
    }
    schedule();
  };
  const finish = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    draw(true);
  };
  return { emit, finish };
}
