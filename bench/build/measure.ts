import { join } from 'node:path';
import type { Builder } from '../lab/builders.js';
import { run as runCommand, tail } from '../lab/proc.js';
import { changeOneFile, copyContext, type Sample } from './samples.js';

/** The phases of one benchmark run, in the order they run. */
export const PHASES = ['cold', 'warm', 'change', 'push'] as const;

/** One timed phase of one builder on one sample. */
export interface Measurement {
  builder: string;
  sample: string;
  phase: (typeof PHASES)[number];
  run: number;
  seconds: number;
  ok: boolean;
}

/** What a benchmark run shares. */
export interface BenchRun {
  registry: string;
  work: string;
  stamp: string;
  log: (line: string) => void;
}

/**
 * One run of a sample with one builder: cold (caches wiped, base pulled from the mirror),
 * warm (nothing changed), change (one context file edited), push (to a new repository).
 */
export async function measureSample(
  bench: BenchRun,
  builder: Builder,
  sample: Sample,
  context: string,
  run: number,
): Promise<Measurement[]> {
  const copy = join(bench.work, `ctx-${sample.name}-${builder.name}`);
  await copyContext(context, copy);
  const tag = `${bench.registry}/bench/${sample.name}:${builder.name}`;
  const request = { context: copy, dockerfile: join(copy, 'Dockerfile'), tag };
  const results: Measurement[] = [];
  const record = (
    phase: Measurement['phase'],
    result: { code: number; seconds: number; stderr: string; stdout: string },
  ) => {
    const ok = result.code === 0;
    results.push({
      builder: builder.name,
      sample: sample.name,
      phase,
      run,
      seconds: result.seconds,
      ok,
    });
    const line = `${builder.name.padEnd(8)} ${sample.name.padEnd(14)} ${phase.padEnd(6)} run ${run}`;
    bench.log(`${line} ${result.seconds.toFixed(2).padStart(7)} s${ok ? '' : ' FAILED'}`);
    if (!ok) bench.log(tail(result.stderr + result.stdout, 6).replace(/^/gm, '    | '));
    return ok;
  };
  await builder.reset();
  // The reset and the context copy delete and write gigabytes; with the disk's
  // online discard, that work lands on whatever writes next. sync finishes it
  // here, so each builder's cold build pays for its own work only.
  await runCommand('sync', []);
  if (!record('cold', await builder.build(request))) return results;
  record('warm', await builder.build(request));
  changeOneFile(copy, sample, `${bench.stamp}-${run}`);
  if (!record('change', await builder.build(request))) return results;
  const repo = `${bench.registry}/bench/${sample.name}-${builder.name}-${bench.stamp}-r${run}:latest`;
  record('push', await builder.push(tag, repo));
  return results;
}
