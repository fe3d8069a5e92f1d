import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { encodeManifest, parseManifest } from './manifest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './media-types.js';

const testdata = new URL('../../../src/image/testdata/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, testdata));

test('an OCI image manifest parses with its layers and annotations', () => {
  const parsed = parseManifest(read('oci-manifest.json'));
  assert.equal(parsed.kind, 'image');
  assert.equal(parsed.mediaType, OCI_MANIFEST);
  if (parsed.kind !== 'image') return;
  assert.equal(parsed.manifest.layers.length, 2);
  assert.equal(parsed.manifest.layers[1]?.annotations?.['org.example.note'], 'empty');
  assert.equal(parsed.manifest.config.size, 1469);
});

test('a Docker schema 2 manifest parses as an image manifest', () => {
  const parsed = parseManifest(read('docker-manifest.json'), DOCKER_MANIFEST);
  assert.equal(parsed.kind, 'image');
  assert.equal(parsed.mediaType, DOCKER_MANIFEST);
});

test('a Docker manifest list and an OCI index parse as indexes', () => {
  const list = parseManifest(read('docker-manifest-list.json'));
  assert.equal(list.kind, 'index');
  assert.equal(list.mediaType, DOCKER_MANIFEST_LIST);
  const index = parseManifest(read('oci-index.json'));
  assert.equal(index.mediaType, OCI_INDEX);
  assert.equal(index.kind === 'index' && index.manifest.manifests.length, 4);
});

test('without a mediaType field the transport type, then the shape, decides', () => {
  const bare = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
  assert.equal(parseManifest(bare).mediaType, OCI_INDEX);
  assert.equal(parseManifest(bare, DOCKER_MANIFEST_LIST).mediaType, DOCKER_MANIFEST_LIST);
});

const broken: [string, string, RegExp][] = [
  ['truncated.json', 'MALFORMED_MANIFEST', /^malformed manifest JSON: /],
  ['schema1.json', 'UNSUPPORTED_MANIFEST', /schemaVersion 1: only schema 2 is read/],
  ['bad-layer.json', 'MALFORMED_MANIFEST', /layers\[0\] is not a descriptor/],
  [
    'short-digest.json',
    'MALFORMED_MANIFEST',
    /^malformed manifest: layers\[1\] has an invalid digest "sha256:abc": sha256 needs 64 lowercase hex digits$/,
  ],
  [
    'unknown-algorithm.json',
    'MALFORMED_MANIFEST',
    /^malformed manifest: config has an invalid digest "md5:[0-9a-f]{32}": expected sha256:<64 hex> or sha512:<128 hex>$/,
  ],
];
for (const [name, code, message] of broken) {
  test(`${name} is a clear error`, () => {
    assert.throws(() => parseManifest(read(name)), { code, message });
  });
}

test('a manifest served as another type than it declares is refused', () => {
  assert.throws(() => parseManifest(read('oci-manifest.json'), DOCKER_MANIFEST), {
    message: `manifest says mediaType ${OCI_MANIFEST} but was served as ${DOCKER_MANIFEST}`,
  });
});

test('a JSON array is not a manifest', () => {
  assert.throws(() => parseManifest(Buffer.from('[]')), {
    message: 'malformed manifest: not a JSON object',
  });
});

test('encoding gives compact JSON and its digest; parsing it back is lossless', () => {
  const parsed = parseManifest(read('oci-manifest.json'));
  const raw = encodeManifest(parsed.manifest);
  assert.equal(raw.mediaType, OCI_MANIFEST);
  assert.equal(raw.bytes.includes('\n'), false);
  assert.deepEqual(parseManifest(raw.bytes).manifest, parsed.manifest);
  assert.equal(raw.digest, `sha256:${createHash('sha256').update(raw.bytes).digest('hex')}`);
});
