// Measures the sandbox and snapshots on this host (root):
//   node dist/bench/sandbox.js [LAYER_BLOB]
// - a `true` RUN with each back end on a busybox rootfs (median of 20);
// - with LAYER_BLOB (e.g. a debian:bookworm-slim layer), unpacking it once,
//   then a RUN that changes one file: prepare, run and commit with each driver.

import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInSandbox } from '../src/build/sandbox/index.js';
import { layerChanges, openSnapshotter, unpackBlob } from '../src/build/snapshot/index.js';
import { makeBusyboxRootfs } from '../test/integration/busybox-rootfs.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const value = await work();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

const rootfs = makeBusyboxRootfs();
for (const backend of ['runc', 'namespaces'] as const) {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const [, ms] = await timed(() => runInSandbox({ rootfs, backend, args: ['true'] }));
    times.push(ms);
  }
  console.log(`RUN true, ${backend}: median ${median(times).toFixed(1)} ms`);
}
rmSync(rootfs, { recursive: true, force: true });

const blob = process.argv[2];
if (blob !== undefined) {
  const home = mkdtempSync(join(tmpdir(), 'slipway-bench-snap-'));
  for (const driver of ['overlay', 'copy'] as const) {
    const snapshots = await openSnapshotter({
      changes: layerChanges,
      root: join(home, driver),
      driver,
    });
    const id = `sha256:${'ab'.repeat(32)}`;
    const unpack = unpackBlob(() => createReadStream(blob));
    const [, unpackMs] = await timed(() => snapshots.ensureLayer(id, undefined, unpack));
    const [, againMs] = await timed(() => snapshots.ensureLayer(id, undefined, unpack));
    const [step, prepareMs] = await timed(() => snapshots.prepare(snapshots.lowerDirs([id])));
    const [, runMs] = await timed(() =>
      runInSandbox({ rootfs: step.root, args: ['sh', '-c', 'echo x > /etc/one'] }),
    );
    const [changes, commitMs] = await timed(() => step.commit());
    await step.release();
    console.log(
      `${driver}: unpack ${unpackMs.toFixed(0)} ms, again ${againMs.toFixed(1)} ms, ` +
        `prepare ${prepareMs.toFixed(1)} ms, run ${runMs.toFixed(1)} ms, ` +
        `commit ${commitMs.toFixed(1)} ms (${changes.map((c) => `${c.kind} ${c.path}`).join(', ')})`,
    );
  }
  rmSync(home, { recursive: true, force: true });
}
