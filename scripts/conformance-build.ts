// npm run conformance:build -- DIR... [--case NAME]... [--against slipway|buildah]
//   [--reference buildkit|buildah]
// Builds every case of each DIR with the reference (BuildKit from Debian's dockerd 20.10)
// and the candidate (slipway by default), reads both images back from the local registry
// as OCI layouts and compares file trees and configs. See docs/conformance.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CaseSpec } from '../bench/conformance/case-spec.js';
import { discoverCases } from '../bench/conformance/discover.js';
import { caseText, summary, writeReport } from '../bench/conformance/report.js';
import { type CaseResult, runCase } from '../bench/conformance/run-case.js';
import {
  type Builder,
  buildah,
  buildkit,
  type LabSettings,
  slipway,
  slipwayAvailable,
} from '../bench/lab/builders.js';
import { cacheSub } from '../bench/lab/cache-dir.js';
import { startLab } from '../bench/lab/lab.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    case: { type: 'string', multiple: true },
    against: { type: 'string', default: 'slipway' },
    reference: { type: 'string', default: 'buildkit' },
  },
});
if (positionals.length === 0) {
  console.error('usage: npm run conformance:build -- DIR... [--case NAME]... [--against buildah]');
  process.exit(2);
}
if (values.against === 'slipway' && !slipwayAvailable()) {
  console.error('slipway build is not compiled in this checkout (dist/src/build missing);');
  console.error('run `npm run build`, or compare two reference builders: --against buildah');
  process.exit(2);
}

function builder(name: string, lab: LabSettings): Builder {
  if (name === 'buildkit') return buildkit(lab);
  if (name === 'buildah') return buildah(lab);
  if (name === 'slipway') return slipway(lab);
  throw new Error(`unknown builder ${name} (slipway, buildkit, buildah)`);
}

const wanted = new Set(values.case ?? []);
const cases: CaseSpec[] = positionals
  .flatMap((dir) => discoverCases(dir))
  .filter((spec) => wanted.size === 0 || wanted.has(spec.name));
if (cases.length === 0) {
  console.error(`no case found${wanted.size ? ` named ${[...wanted].join(', ')}` : ''}`);
  process.exit(2);
}

const needsDocker = values.reference === 'buildkit' || values.against === 'buildkit';
const lab = await startLab({ dockerd: needsDocker, log: (line) => console.log(`# ${line}`) });
const settings: LabSettings = {
  cache: lab.cache,
  registry: lab.registry.host,
  dockerEnv: lab.dockerd?.env,
};
const work = mkdtempSync(join(cacheSub(lab.cache, 'work'), 'conformance-'));
const runner = {
  cache: lab.cache,
  registry: lab.registry.host,
  work,
  reference: builder(values.reference ?? 'buildkit', settings),
  candidate: builder(values.against ?? 'slipway', settings),
};
const results: CaseResult[] = [];
try {
  for (const spec of cases) {
    const started = Date.now();
    const result = await runCase(runner, spec).catch(
      (error: Error): CaseResult => ({
        name: spec.name,
        status: 'failed',
        reason: `harness error: ${error.message}`,
        differences: [],
        notes: [],
      }),
    );
    results.push(result);
    console.log(`${caseText(result)}  [${((Date.now() - started) / 1000).toFixed(1)} s]`);
  }
} finally {
  await lab.stop();
  rmSync(work, { recursive: true, force: true });
}
const title = `${runner.candidate.name} vs ${runner.reference.name}: ${positionals.join(' ')}`;
const report = writeReport(
  fileURLToPath(new URL('../../bench/results', import.meta.url)),
  title,
  results,
);
console.log(`\n${summary(results)}\n(report: ${report}.md)`);
process.exitCode = results.some((r) => r.status === 'failed') ? 1 : 0;
