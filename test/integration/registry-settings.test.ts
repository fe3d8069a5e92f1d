import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { digestOf } from '../../src/image/digest.js';
import { OCI_LAYER_GZIP } from '../../src/image/media-types.js';
import type { SlipwayEvent } from '../../src/log/index.js';
import {
  copyImage,
  loadSettings,
  openPullSource,
  RegistryClient,
} from '../../src/registry/index.js';
import { openStore } from '../../src/store/index.js';
import { pushBaseImage } from '../harness/base-image.js';
import { startFakeRegistry } from '../harness/fake-registry.js';
import { startRegistry } from '../harness/registry.js';

test('mirrors from the settings file are tried first; the event says which served', async () => {
  const origin = await startRegistry('plain');
  const mirror = await startRegistry('plain');
  const dir = await mkdtemp(join(tmpdir(), 'slipway-mirrors-'));
  try {
    const image = await pushBaseImage(origin.host, 'library/busybox:latest');
    await pushBaseImage(mirror.host, 'hub/library/busybox:latest');
    await pushBaseImage(origin.host, 'library/only-origin:latest');
    const file = join(dir, 'registries.json');
    await writeFile(
      file,
      JSON.stringify({
        registries: { [origin.host]: { mirrors: ['127.0.0.1:1', `${mirror.host}/hub`] } },
      }),
    );
    const settings = await loadSettings(file);
    const events: SlipwayEvent[] = [];
    const emit = (event: SlipwayEvent) => events.push(event);
    const ref = { registry: origin.host, repository: 'library/busybox' };
    const store = await openStore(join(dir, 'store'));
    const retry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    const pulled = await copyImage(openPullSource(ref, { settings, emit, retry }), store, 'latest');
    assert.equal(pulled.descriptor.digest, image.manifestDigest);
    const served = events.filter((e) => e.kind === 'registry.mirror').map((e) => e.message);
    assert.deepEqual(served, [
      `manifest latest served by mirror ${mirror.host}/hub/library/busybox`,
    ]);
    assert.match(
      events.find((e) => e.kind === 'registry.mirror.failed')?.message as string,
      /^mirror 127\.0\.0\.1:1\/library\/busybox could not serve manifest latest: cannot reach/,
    );

    events.length = 0;
    const other = { registry: origin.host, repository: 'library/only-origin' };
    await copyImage(openPullSource(other, { settings, emit, retry }), store, 'latest');
    assert.deepEqual(
      events.filter((e) => e.kind === 'registry.mirror').map((e) => e.message),
      [`manifest latest served by origin ${origin.host}/library/only-origin`],
    );
  } finally {
    await Promise.all([origin.stop(), mirror.stop(), rm(dir, { recursive: true, force: true })]);
  }
});

test('TLS: an unknown CA is refused with a hint; --ca-file or insecure make it work', async () => {
  const registry = await startRegistry('tls');
  try {
    const ref = { registry: registry.host, repository: 'tls/app' };
    const untrusted = new RegistryClient(ref);
    await assert.rejects(untrusted.listTags(), (error: Error & { hint?: string }) => {
      assert.match(error.message, /^cannot reach registry 127\.0\.0\.1:\d+: GET https:/);
      assert.match(error.hint ?? '', /--ca-file/);
      return true;
    });
    await pushBaseImage(registry.host, 'tls/app:1', registry);
    const withCa = new RegistryClient(ref, { overrides: { caFile: registry.caFile } });
    assert.deepEqual(await withCa.listTags(), ['1']);
    const insecure = new RegistryClient(ref, { overrides: { tlsVerify: false } });
    assert.deepEqual(await insecure.listTags(), ['1']);
  } finally {
    await registry.stop();
  }
});

test('tags are listed across pages by the Link header', async () => {
  // distribution 2.8 ignores `n`, so a fake serves the pages as newer registries do.
  const pages: Record<string, [string[], string?]> = {
    '/v2/paged/tags/list?n=2': [['a', 'b'], '/v2/paged/tags/list?n=2&last=b'],
    '/v2/paged/tags/list?n=2&last=b': [['c', 'd'], '/v2/paged/tags/list?n=2&last=d'],
    '/v2/paged/tags/list?n=2&last=d': [['e']],
  };
  const fake = await startFakeRegistry((req, res) => {
    const page = pages[req.url ?? ''];
    if (!page) return res.end();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (page[1]) headers.link = `<${page[1]}>; rel="next"`;
    res.writeHead(200, headers);
    res.end(JSON.stringify({ name: 'paged', tags: page[0] }));
  });
  try {
    const client = new RegistryClient({ registry: fake.host, repository: 'paged' });
    assert.deepEqual(await client.listTags(2), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(fake.requests.filter((r) => r.url.includes('/tags/list')).length, 3);
  } finally {
    await fake.stop();
  }
});

test('a failed upload starts over from open()', async () => {
  const content = randomBytes(10_000);
  const blob = { mediaType: OCI_LAYER_GZIP, digest: digestOf(content), size: content.length };
  let puts = 0;
  const fake = await startFakeRegistry((req, res) => {
    if (req.method === 'POST') {
      res.writeHead(202, { location: `/v2/app/blobs/uploads/session-${Date.now()}?_state=x` });
      return res.end();
    }
    if (req.method === 'PUT' && ++puts === 1) return req.socket.destroy();
    if (req.method === 'PUT') {
      res.writeHead(201, { 'docker-content-digest': blob.digest });
      return res.end();
    }
    res.end();
  });
  try {
    const events: SlipwayEvent[] = [];
    const client = new RegistryClient(
      { registry: fake.host, repository: 'app' },
      { emit: (event) => events.push(event) },
    );
    let opened = 0;
    await client.pushBlob(blob, async () => {
      opened++;
      return Readable.from([content]);
    });
    assert.equal(opened, 2);
    const puts = fake.requests.filter((r) => r.method === 'PUT').map((r) => r.url);
    assert.equal(puts.length, 2);
    assert.ok(puts.every((url) => url.includes(`digest=${encodeURIComponent(blob.digest)}`)));
    assert.ok(puts.every((url) => url.includes('_state=x')));
    const retry = events.find((e) => e.kind === 'registry.retry');
    assert.match(retry?.message as string, /starting over \(try 2 of 4\)$/);
  } finally {
    await fake.stop();
  }
});
