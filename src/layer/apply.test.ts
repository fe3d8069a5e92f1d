import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeTree, makeFixtureTree } from './fixture.js';
import { applyLayer, changesFromOverlayUpper, writeLayer } from './index.js';

const asRoot = { skip: process.getuid?.() !== 0 ? 'the fixture sets owners: needs root' : false };
let tree: string;
let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'slipway-apply-'));
  if (asRoot.skip === false) tree = await makeFixtureTree();
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
  if (tree) await rm(tree, { recursive: true, force: true });
});

for (const compression of ['gzip', 'zstd', 'none'] as const) {
  test(`write then apply (${compression}) gives the same tree`, asRoot, async () => {
    const blob = join(scratch, `round-trip.${compression}`);
    const written = await writeLayer(await changesFromOverlayUpper(tree), createWriteStream(blob), {
      compression,
    });
    const root = join(scratch, `root-${compression}`);
    const applied = await applyLayer(createReadStream(blob), root);
    assert.equal(applied.diffId, written.diffId);
    assert.equal(applied.entries, 15);
    assert.deepEqual(await describeTree(root), await describeTree(tree));
  });
}
