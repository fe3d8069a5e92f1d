import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { DigestMismatchError } from '../errors/index.js';
import { type Digest, digestOf } from '../image/digest.js';
import { encodeManifest } from '../image/manifest.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../image/media-types.js';
import { openStore } from './index.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempStore() {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-store-'));
  dirs.push(dir);
  return openStore(join(dir, 'layout'));
}

test('a new store is an OCI layout with an empty index', async () => {
  const store = await tempStore();
  assert.deepEqual(JSON.parse(await readFile(join(store.dir, 'oci-layout'), 'utf8')), {
    imageLayoutVersion: '1.0.0',
  });
  assert.deepEqual(JSON.parse(await readFile(store.indexPath, 'utf8')), {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [],
  });
});

test('blobs are written under blobs/sha256 and read back verified', async () => {
  const store = await tempStore();
  const written = await store.writeBlob(Buffer.from('hello'));
  const expected = digestOf('hello');
  assert.deepEqual(written, { digest: expected, size: 5 });
  assert.equal(store.blobPath(expected), join(store.dir, 'blobs/sha256', expected.slice(7)));
  assert.equal((await store.readBlob(written)).toString(), 'hello');
  assert.equal(await text(await store.fetchBlob({ mediaType: 'x', ...written })), 'hello');
});

test('a blob that does not match its expected digest is not stored', async () => {
  const store = await tempStore();
  const wrong = digestOf('something else');
  await assert.rejects(
    store.writeBlob(Readable.from([Buffer.from('hello')]), { digest: wrong, size: 5 }),
    (error) => error instanceof DigestMismatchError && error.message.includes(wrong),
  );
  assert.equal(await store.hasBlob(wrong), false);
  assert.equal(await store.hasBlob(digestOf('hello')), false);
  assert.deepEqual(await readdir(join(store.dir, '.tmp')), []);
});

test('an interrupted write leaves no blob and no temp file', async () => {
  const store = await tempStore();
  async function* failing() {
    yield Buffer.from('first part');
    throw new Error('connection reset');
  }
  await assert.rejects(store.writeBlob(Readable.from(failing())), /connection reset/);
  assert.deepEqual(await readdir(join(store.dir, 'blobs/sha256')), []);
  assert.deepEqual(await readdir(join(store.dir, '.tmp')), []);
});

test('reading a corrupted blob fails with DigestMismatchError', async () => {
  const store = await tempStore();
  const written = await store.writeBlob(Buffer.from('original'));
  await writeFile(store.blobPath(written.digest), 'tampered');
  await assert.rejects(store.readBlob(written), DigestMismatchError);
  const stream = await store.fetchBlob({ mediaType: OCI_LAYER_GZIP, ...written });
  await assert.rejects(text(stream), /content has digest sha256:[0-9a-f]{64}, expected/);
  await writeFile(store.blobPath(written.digest), 'origin');
  await assert.rejects(store.readBlob(written), /got 6 bytes, expected 8/);
});

test('sha512 blobs live under blobs/sha512 and are verified with sha512', async () => {
  const store = await tempStore();
  const digest = digestOf('long hash', 'sha512');
  const written = await store.writeBlob(Readable.from([Buffer.from('long hash')]), {
    digest,
    size: 9,
  });
  assert.deepEqual(written, { digest, size: 9 });
  assert.equal(store.blobPath(digest), join(store.dir, 'blobs/sha512', digest.slice(7)));
  assert.equal((await store.readBlob(digest)).toString(), 'long hash');
  await writeFile(store.blobPath(digest), 'long hasH');
  await assert.rejects(store.readBlob(digest), /content has digest sha512:[0-9a-f]{128}, expected/);
  const other = digestOf('other', 'sha512');
  await assert.rejects(
    store.writeBlob(Buffer.from('another'), { digest: other }),
    DigestMismatchError,
  );
  assert.equal(await store.hasBlob(other), false);
});

async function storeImage(store: Awaited<ReturnType<typeof tempStore>>, seed: string) {
  const config = await store.writeBlob(Buffer.from(`{"architecture":"amd64","os":"linux"}`));
  const layer = await store.writeBlob(Buffer.from(`layer ${seed}`));
  return encodeManifest({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...config },
    layers: [{ mediaType: OCI_LAYER_GZIP, ...layer }],
  });
}

test('names point at manifests through index.json annotations', async () => {
  const store = await tempStore();
  const manifest = await storeImage(store, 'a');
  await store.pushManifest(manifest, '127.0.0.1:5000/app:1');
  await store.pushManifest(manifest, 'v1');
  const entry = (JSON.parse(await readFile(store.indexPath, 'utf8')) as { manifests: object[] })
    .manifests[0];
  assert.deepEqual(entry, {
    mediaType: OCI_MANIFEST,
    digest: manifest.digest,
    size: manifest.bytes.length,
    annotations: {
      'org.opencontainers.image.ref.name': '127.0.0.1:5000/app:1',
      'io.containerd.image.name': '127.0.0.1:5000/app:1',
    },
  });
  assert.equal((await store.resolve('busybox'))?.digest, undefined);
  assert.equal((await store.resolve('v1'))?.digest, manifest.digest);
  const fetched = await store.fetchManifest('127.0.0.1:5000/app:1');
  assert.deepEqual(fetched, manifest);
  assert.deepEqual(await store.fetchManifest(manifest.digest), manifest);
  assert.deepEqual(
    (await store.listTags()).map((t) => t.name),
    ['127.0.0.1:5000/app:1', 'v1'],
  );
  assert.equal(await store.untag('v1'), true);
  assert.equal(await store.untag('v1'), false);
  await store.tag('busybox/x', { mediaType: OCI_MANIFEST, digest: manifest.digest, size: 1 });
  assert.equal((await store.resolve('docker.io/busybox/x:latest'))?.size, 1);
  // A name:tag is the short form of a reference, as docker names it: docker.io/library/….
  await store.tag('app:1', { mediaType: OCI_MANIFEST, digest: manifest.digest, size: 2 });
  assert.equal((await store.resolve('docker.io/library/app:1'))?.size, 2);
  assert.equal((await store.resolve('app:1'))?.size, 2);
});

test('a manifest whose blobs are missing is refused', async () => {
  const store = await tempStore();
  const manifest = encodeManifest({
    schemaVersion: 2,
    config: { mediaType: OCI_CONFIG, digest: digestOf('absent'), size: 6 },
    layers: [],
  });
  await assert.rejects(store.pushManifest(manifest, 'x'), /refers to sha256:.*not in/);
  assert.equal(await store.hasBlob(manifest.digest), false);
  await assert.rejects(store.fetchManifest('x'), /no image named x/);
});

function runNode(code: string): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.on('exit', (status) => resolve(status ?? -1)));
}

test('two processes tagging at once both land in index.json', async () => {
  const store = await tempStore();
  const manifest = await storeImage(store, 'shared');
  await store.writeBlob(manifest.bytes);
  const module = new URL('./index.js', import.meta.url).href;
  const hammer = (prefix: string) => `
    const { openStore } = await import(${JSON.stringify(module)});
    const store = await openStore(${JSON.stringify(store.dir)});
    const descriptor = ${JSON.stringify({ mediaType: OCI_MANIFEST, digest: manifest.digest, size: manifest.bytes.length })};
    for (let i = 0; i < 40; i++) await store.tag('${prefix}' + i, descriptor);`;
  const statuses = await Promise.all([runNode(hammer('a')), runNode(hammer('b'))]);
  assert.deepEqual(statuses, [0, 0]);
  const names = (await store.listTags()).map((t) => t.name).sort();
  const expected = [...Array(40).keys()].flatMap((i) => [`a${i}`, `b${i}`]).sort();
  assert.deepEqual(names, expected);
});

test('a lock left by a dead process is broken', async () => {
  const store = await tempStore();
  const manifest = await storeImage(store, 'stale');
  await store.writeBlob(manifest.bytes);
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => dead.on('exit', resolve));
  const { hostname } = await import('node:os');
  const owner = { pid: dead.pid, host: hostname(), token: 'dead' };
  await writeFile(`${store.indexPath}.lock`, JSON.stringify(owner));
  await store.tag('after-crash', {
    mediaType: OCI_MANIFEST,
    digest: manifest.digest as Digest,
    size: manifest.bytes.length,
  });
  assert.deepEqual(
    (await store.listTags()).map((t) => t.name),
    ['after-crash'],
  );
  assert.deepEqual((await readdir(store.dir)).sort(), [
    '.tmp',
    'blobs',
    'index.json',
    'oci-layout',
  ]);
});
