import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { digestEncoded, digestOf } from '../image/digest.js';
import { openStore } from './index.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempStore() {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-sources-'));
  dirs.push(dir);
  return openStore(dir);
}

const layer = digestOf('a layer');
const jre = { registry: '127.0.0.1:5000', repository: 'base/jre' };
const hub = { registry: 'docker.io', repository: 'library/eclipse-temurin' };

test('a blob with no record has no sources', async () => {
  const store = await tempStore();
  assert.deepEqual(await store.blobSources(layer), []);
});

test('sources are kept per blob, most recent first, each once', async () => {
  const store = await tempStore();
  await store.recordBlobSources(layer, [jre]);
  await store.recordBlobSources(layer, [hub]);
  await store.recordBlobSources(layer, [jre]);
  assert.deepEqual(await store.blobSources(layer), [jre, hub]);
  assert.deepEqual(await store.blobSources(digestOf('another')), []);
  const file = join(store.dir, 'blob-sources', 'sha256', `${digestEncoded(layer)}.json`);
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { sources: [jre, hub] });
  // Only the record and nothing half-written (no temp or lock file) is left.
  assert.deepEqual(await readdir(join(store.dir, 'blob-sources', 'sha256')), [
    `${digestEncoded(layer)}.json`,
  ]);
});

test('at most eight sources are kept; the oldest fall off', async () => {
  const store = await tempStore();
  for (let i = 0; i < 10; i++) {
    await store.recordBlobSources(layer, [{ registry: 'r', repository: `repo${i}` }]);
  }
  const kept = (await store.blobSources(layer)).map((s) => s.repository);
  assert.deepEqual(kept, ['repo9', 'repo8', 'repo7', 'repo6', 'repo5', 'repo4', 'repo3', 'repo2']);
});

test('a damaged record reads as no sources and is replaced by the next one', async () => {
  const store = await tempStore();
  await store.recordBlobSources(layer, [jre]);
  const file = join(store.dir, 'blob-sources', 'sha256', `${digestEncoded(layer)}.json`);
  await writeFile(file, '{"sources": [');
  assert.deepEqual(await store.blobSources(layer), []);
  await store.recordBlobSources(layer, [hub]);
  assert.deepEqual(await store.blobSources(layer), [hub]);
});

test('records written at once by many writers all survive', async () => {
  const store = await tempStore();
  const sources = Array.from({ length: 6 }, (_, i) => ({ registry: 'r', repository: `p${i}` }));
  await Promise.all(sources.map((s) => store.recordBlobSources(layer, [s])));
  const kept = (await store.blobSources(layer)).map((s) => s.repository).sort();
  assert.deepEqual(kept, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
});

test('a malformed digest is refused', async () => {
  const store = await tempStore();
  await assert.rejects(store.recordBlobSources('sha256:zz', [jre]), { code: 'INVALID_DIGEST' });
});
