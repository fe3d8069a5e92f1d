import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Measurement, PHASES } from './measure.js';

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median seconds of the successful runs, per sample, phase and builder. */
export function medians(measurements: Measurement[]) {
  const table = new Map<string, number | undefined>();
  const keys = new Set(measurements.map((m) => `${m.sample}|${m.phase}|${m.builder}`));
  for (const key of keys) {
    const [sample, phase, builder] = key.split('|');
    const ok = measurements.filter(
      (m) => m.ok && m.sample === sample && m.phase === phase && m.builder === builder,
    );
    table.set(key, median(ok.map((m) => m.seconds)));
  }
  return table;
}

/** The medians table with slipway/BuildKit and slipway/buildah ratios, as markdown. */
export function markdownTable(measurements: Measurement[], runs: number): string[] {
  const table = medians(measurements);
  const builders = ['slipway', 'buildkit', 'buildah'].filter((b) =>
    measurements.some((m) => m.builder === b),
  );
  const samples = [...new Set(measurements.map((m) => m.sample))];
  const cell = (v: number | undefined) => (v === undefined ? 'failed' : v.toFixed(2));
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? '-' : (a / b).toFixed(2);
  const header = ['sample', 'phase', ...builders.map((b) => `${b} s`)];
  const slipway = builders.includes('slipway');
  if (slipway) header.push('slipway/BuildKit', 'slipway/buildah');
  const lines = [
    `Median wall seconds over ${runs} runs.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
  ];
  const misses: string[] = [];
  for (const sample of samples) {
    for (const phase of PHASES) {
      const get = (builder: string) => table.get(`${sample}|${phase}|${builder}`);
      const row = [sample, phase, ...builders.map((b) => cell(get(b)))];
      if (slipway) {
        const r = ratio(get('slipway'), get('buildkit'));
        row.push(r, ratio(get('slipway'), get('buildah')));
        if (r === '-' || Number(r) > 1) misses.push(`${sample} ${phase}: slipway/BuildKit ${r}`);
      }
      lines.push(`| ${row.join(' | ')} |`);
    }
  }
  if (slipway) {
    lines.push('', misses.length ? 'Rows missing ratio <= 1.0:' : 'Every row has ratio <= 1.0.');
    lines.push(...misses.map((m) => `- ${m}`));
  }
  return lines;
}

/** Writes the raw CSV and the markdown summary under `dir`; returns the base path. */
export function writeResults(
  dir: string,
  stamp: string,
  measurements: Measurement[],
  runs: number,
) {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `bench-build-${stamp}`);
  const csv = ['builder,sample,phase,run,seconds,ok'];
  for (const m of measurements) {
    csv.push([m.builder, m.sample, m.phase, m.run, m.seconds.toFixed(3), m.ok].join(','));
  }
  writeFileSync(`${base}.csv`, `${csv.join('\n')}\n`);
  const md = ['# bench:build', '', ...markdownTable(measurements, runs), ''];
  writeFileSync(`${base}.md`, md.join('\n'));
  return base;
}
