// node dist/bench/layer-write.js DIR [RUNS]: time writing DIR as one gzip layer, as a
// COPY of it would, to a sink that drops the bytes. SLIPWAY_NO_PIGZ=1 times zlib.
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { changesFromOverlayUpper, gzipCompressor, writeLayer } from '../src/layer/index.js';

const [dir, runs = '1'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node dist/bench/layer-write.js DIR [RUNS]');
  process.exit(2);
}
for (let run = 1; run <= Number(runs); run++) {
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const started = performance.now();
  const changes = await changesFromOverlayUpper(dir);
  const written = await writeLayer(changes, sink, { sourceDateEpoch: 0 });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const sizes = `${mb(written.uncompressedSize)} MB tar -> ${mb(written.size)} MB`;
  console.log(`${gzipCompressor()} run ${run}: ${seconds} s, ${sizes}, ${written.digest}`);
}
