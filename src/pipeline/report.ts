// What a run did, step by step: kept as JSON (`--report`) and shown as a table.

export type StepStatus = 'success' | 'failed' | 'timeout' | 'cancelled' | 'skipped';

export interface StepResult {
  stage: string;
  step: string;
  name: string;
  displayName?: string;
  status: StepStatus;
  durationMs: number;
  /** Attempts after the first. */
  retries: number;
  outputs: Record<string, string>;
  error?: string;
  /** What to do about the error, when its step said. */
  hint?: string;
  /** Why a step did not run (not selected, a dependency failed, ...). */
  reason?: string;
  log?: string;
}

export interface RunReport {
  pipeline: string;
  file: string;
  buildNumber: number;
  status: 'success' | 'failed';
  startedAt: string;
  durationMs: number;
  runDir: string;
  steps: StepResult[];
  /** The step (or stage) that made the run fail. */
  failure?: { stage: string; step?: string; message: string; hint?: string; interrupted?: boolean };
}

/** Seconds with one decimal: `12.3s`. */
export function formatDuration(ms: number): string {
  return ms >= 60_000
    ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`
    : `${(ms / 1000).toFixed(1)}s`;
}

/** The end-of-run table: one row per step. */
export function formatTable(report: RunReport): string {
  const header = ['STAGE', 'STEP', 'STATUS', 'TIME', 'RETRIES', 'OUTPUTS'];
  const rows = report.steps.map((r) => [
    r.stage,
    r.name,
    r.status,
    r.status === 'skipped' ? '-' : formatDuration(r.durationMs),
    String(r.retries),
    Object.entries(r.outputs)
      .map(([key, value]) => `${key}=${value}`)
      .join(' '),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const verdict = report.failure
    ? `pipeline ${report.pipeline} #${report.buildNumber} ${report.failure.interrupted ? 'interrupted' : 'failed'}`
    : `pipeline ${report.pipeline} #${report.buildNumber} succeeded in ${formatDuration(report.durationMs)}`;
  return [line(header), ...rows.map(line), '', verdict].join('\n');
}
