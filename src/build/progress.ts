import type { Emit, SlipwayEvent } from '../log/index.js';

// Build progress as events, numbered as BuildKit numbers its vertices, so the
// CLI can show `#3 [builder 2/4] RUN make`, `#3 CACHED`, output lines and
// durations. The library only emits; the CLI renders.

/** The events a build emits. */
export type BuildEventKind =
  | 'build.step.start'
  | 'build.step.output'
  | 'build.step.cached'
  | 'build.step.done'
  | 'build.step.error'
  | 'build.info';

/** One numbered step of the progress view. */
export class ProgressStep {
  private readonly started = performance.now();
  private finished = false;

  constructor(
    private readonly emit: Emit,
    readonly id: number,
    readonly name: string,
    private readonly visible = true,
  ) {
    if (visible) emit({ kind: 'build.step.start', step: id, name, message: `#${id} ${name}` });
  }

  /** A line of output (RUN's stdout and stderr, download progress). */
  output(line: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const elapsed = (performance.now() - this.started) / 1000;
    this.emit({
      kind: 'build.step.output',
      step: this.id,
      stream,
      line,
      elapsed,
      message: `#${this.id} ${elapsed.toFixed(3)} ${line}`,
    });
  }

  /** An event of a library working for this step (copy.blob), numbered as the step. */
  event(event: SlipwayEvent): void {
    const message = `#${this.id} ${event.message ?? event.kind}`;
    this.emit({ ...event, step: this.id, message });
  }

  cached(): void {
    this.finished = true;
    if (!this.visible) return;
    this.emit({ kind: 'build.step.cached', step: this.id, message: `#${this.id} CACHED` });
  }

  done(): void {
    if (this.finished || !this.visible) return;
    this.finished = true;
    const seconds = (performance.now() - this.started) / 1000;
    const message = `#${this.id} DONE ${seconds.toFixed(1)}s`;
    this.emit({ kind: 'build.step.done', step: this.id, seconds, message });
  }

  failed(error: string): void {
    if (!this.visible) return;
    const message = `#${this.id} ERROR: ${error}`;
    this.emit({ kind: 'build.step.error', step: this.id, message });
  }
}

/** Hands out step numbers for one build. */
export class Progress {
  private next = 1;

  constructor(private readonly emit: Emit) {}

  step(name: string): ProgressStep {
    const id = this.next;
    this.next += 1;
    return new ProgressStep(this.emit, id, name);
  }

  /** A step that shows nothing (metadata instructions), unless it fails. */
  silentStep(): ProgressStep {
    return new ProgressStep(this.emit, 0, '', false);
  }

  /** A line about the build as a whole (`using runc`, `pushing ...`). */
  info(message: string): void {
    this.emit({ kind: 'build.info', message });
  }

  /** Run `work` as a step: DONE with its duration, or ERROR with its message. */
  async run<T>(name: string, work: (step: ProgressStep) => Promise<T>): Promise<T> {
    const step = this.step(name);
    try {
      const result = await work(step);
      step.done();
      return result;
    } catch (error) {
      step.failed(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }
}
