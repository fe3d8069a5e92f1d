import { formatLocation, InputError, type SourceLocation } from '../errors/index.js';

// Validation collects every problem of a file before failing, so a user
// fixes them in one pass rather than one per run.

export interface Problem {
  message: string;
  where: SourceLocation;
}

/** One or more problems in a pipeline file; the first sets the location. */
export class PipelineInvalidError extends InputError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const [first, ...rest] = problems;
    const more = rest.map((p) => `\n${formatLocation(p.where)}: ${p.message}`).join('');
    super('PIPELINE_INVALID', `${first?.message ?? 'invalid pipeline'}${more}`, {
      location: first?.where,
    });
    this.problems = problems;
  }
}

/** Collects problems while a file is walked. */
export class Problems {
  readonly list: Problem[] = [];

  add(where: SourceLocation, message: string): void {
    this.list.push({ where, message });
  }

  /** Throw every problem found so far, if any. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const sorted = [...this.list].sort(
      (a, b) => a.where.line - b.where.line || (a.where.column ?? 0) - (b.where.column ?? 0),
    );
    throw new PipelineInvalidError(sorted);
  }
}
