// npm run bench:build [-- --runs N] [--samples a,b] [--builders slipway,buildkit,buildah]
// slipway, BuildKit (Debian's dockerd 20.10) and buildah build the same Dockerfiles
// (bench/dockerfiles): cold, no-change rebuild, one-file change, push to a new repository.
// Prints the medians and slipway's ratios; writes CSV and markdown under bench/results/.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Builder,
  buildah,
  buildkit,
  type LabSettings,
  slipway,
  slipwayAvailable,
} from '../lab/builders.js';
import { cacheSub } from '../lab/cache-dir.js';
import { startLab } from '../lab/lab.js';
import { pushMirrorTag } from '../lab/mirror.js';
import { type Measurement, measureSample } from './measure.js';
import { markdownTable, writeResults } from './report.js';
import { SAMPLES, sampleContext } from './samples.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    samples: { type: 'string' },
    builders: { type: 'string' },
  },
});
const runs = Number(values.runs);
const names = values.builders?.split(',') ?? [
  ...(slipwayAvailable() ? ['slipway'] : []),
  'buildkit',
  'buildah',
];
if (!slipwayAvailable() && names.includes('slipway')) {
  console.error('slipway build is not compiled in this checkout; run `npm run build` first');
  process.exit(2);
}
const samples = SAMPLES.filter(
  (s) => !values.samples || values.samples.split(',').includes(s.name),
);

const log = (line: string) => console.log(line);
const lab = await startLab({ dockerd: names.includes('buildkit'), log: (l) => log(`# ${l}`) });
const settings: LabSettings = {
  cache: lab.cache,
  registry: lab.registry.host,
  dockerEnv: lab.dockerd?.env,
};
const makers: Record<string, (lab: LabSettings) => Builder> = { slipway, buildkit, buildah };
const builders = names.map((name) => {
  const make = makers[name];
  if (!make) throw new Error(`unknown builder ${name} (slipway, buildkit, buildah)`);
  return make(settings);
});
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z').toLowerCase();
const work = mkdtempSync(join(cacheSub(lab.cache, 'work'), 'bench-'));
const measurements: Measurement[] = [];
try {
  for (const image of ['busybox:latest', 'debian:bookworm-slim']) {
    const [repository = '', tag = ''] = image.split(':');
    await pushMirrorTag(lab.cache, lab.registry.host, { repository: `library/${repository}`, tag });
  }
  for (const sample of samples) {
    const context = sampleContext(lab.cache, sample);
    for (let run = 1; run <= runs; run++) {
      for (const builder of builders) {
        const bench = { registry: lab.registry.host, work, stamp, log };
        measurements.push(...(await measureSample(bench, builder, sample, context, run)));
      }
    }
  }
} finally {
  await lab.stop();
  rmSync(work, { recursive: true, force: true });
}
const results = fileURLToPath(new URL('../../../bench/results', import.meta.url));
const base = writeResults(results, stamp, measurements, runs);
log(`\n${markdownTable(measurements, runs).join('\n')}\n\n(raw: ${base}.csv, summary: ${base}.md)`);
