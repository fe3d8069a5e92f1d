import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeManifest } from '../image/manifest.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../image/media-types.js';
import type { SlipwayEvent } from '../log/index.js';
import { type OciStore, openStore } from '../store/index.js';
import { RegistryClient } from './client.js';
import { copyImage } from './copy.js';

// A push from the local store mounts a blob from where it was pulled; when the
// registry refuses the mount (202) or fails it (403), the blob is uploaded.
// The registry here is a scripted one: only its mount answer is wrong.

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A registry that has no blobs, answers a mount with `mountStatus` and takes uploads. */
async function scriptedRegistry(mountStatus: 202 | 403) {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const url = req.url ?? '';
    seen.push(`${req.method} ${url.replace(/sha256(%3A|:)[0-9a-f]{64}/, 'DIGEST')}`);
    if (req.method === 'HEAD') res.writeHead(404).end();
    else if (req.method === 'POST' && url.includes('mount=') && mountStatus === 403) {
      const denied = { errors: [{ code: 'DENIED', message: 'requested access is denied' }] };
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify(denied));
    } else if (req.method === 'POST') {
      res.writeHead(202, { location: '/v2/team/app/blobs/uploads/session' }).end();
    } else if (req.method === 'DELETE') res.writeHead(204).end();
    else res.writeHead(201).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { host, seen, stop };
}

/** A store holding one image whose layer was pulled from `host/base/jre`. */
async function storeWithPulledLayer(host: string): Promise<OciStore> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-mount-'));
  dirs.push(dir);
  const store = await openStore(dir);
  const config = await store.writeBlob(Buffer.from('{"rootfs":{"type":"layers"}}'));
  const layer = await store.writeBlob(Buffer.from('base layer bytes'));
  await store.recordBlobSources(layer.digest, [{ registry: host, repository: 'base/jre' }]);
  const manifest = encodeManifest({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...config },
    layers: [{ mediaType: OCI_LAYER_GZIP, ...layer }],
  });
  await store.pushManifest(manifest, 'app');
  return store;
}

for (const status of [202, 403] as const) {
  test(`a mount answered ${status} falls back to an upload`, async () => {
    const registry = await scriptedRegistry(status);
    try {
      const store = await storeWithPulledLayer(registry.host);
      const target = new RegistryClient(
        { registry: registry.host, repository: 'team/app' },
        { overrides: { insecure: true } },
      );
      const events: SlipwayEvent[] = [];
      const result = await copyImage(store, target, 'app', {
        tag: '1',
        concurrency: 1,
        emit: (event) => events.push(event),
      });
      assert.deepEqual(result.blobs, { copied: 2, skipped: 0, mounted: 0 });
      const upload = [
        'POST /v2/team/app/blobs/uploads/',
        'PUT /v2/team/app/blobs/uploads/session?digest=DIGEST',
      ];
      const mount = 'POST /v2/team/app/blobs/uploads/?mount=DIGEST&from=base%2Fjre';
      const refused =
        status === 202 ? [mount, 'DELETE /v2/team/app/blobs/uploads/session'] : [mount];
      assert.deepEqual(
        registry.seen.filter((r) => !r.startsWith('GET /v2/')),
        [
          'HEAD /v2/team/app/blobs/DIGEST',
          ...upload,
          'HEAD /v2/team/app/blobs/DIGEST',
          ...refused,
          ...upload,
          'PUT /v2/team/app/manifests/1',
        ],
      );
      const actions = events.filter((e) => e.kind === 'copy.blob').map((e) => e.action);
      assert.deepEqual(actions, ['copied', 'copied']);
      const refusals = events.filter((e) => e.kind === 'copy.mount.refused');
      assert.deepEqual(
        refusals.map((e) => [e.level, e.from]),
        [['debug', 'base/jre']],
      );
    } finally {
      await registry.stop();
    }
  });
}
