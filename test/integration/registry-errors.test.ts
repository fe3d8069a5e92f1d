import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { staticCredentials } from '../../src/auth/index.js';
import {
  DigestMismatchError,
  InputError,
  RegistryError,
  SlipwayError,
} from '../../src/errors/index.js';
import { digestOf } from '../../src/image/digest.js';
import { OCI_LAYER_GZIP, OCI_MANIFEST } from '../../src/image/media-types.js';
import type { SlipwayEvent } from '../../src/log/index.js';
import { copyImage, RegistryClient } from '../../src/registry/index.js';
import { openStore } from '../../src/store/index.js';
import { makeBusyboxImage } from '../harness/base-image.js';
import { startFakeRegistry } from '../harness/fake-registry.js';
import { startRegistry } from '../harness/registry.js';

/** Everything an error shows or carries, causes included, for secret greps. */
function everything(error: unknown, events: SlipwayEvent[] = []): string {
  const parts: string[] = [JSON.stringify(events)];
  for (let e = error as Error | undefined; e; e = e.cause as Error | undefined) {
    parts.push(e.message, e.stack ?? '', String((e as SlipwayError).hint ?? ''));
    parts.push(JSON.stringify(e, Object.getOwnPropertyNames(e)));
  }
  return parts.join('\n');
}

for (const mode of ['basic', 'token'] as const) {
  test(`${mode}: a wrong password is a 401 that names the host and never the password`, async () => {
    const registry = await startRegistry(mode);
    const events: SlipwayEvent[] = [];
    const wrong = 'Wr0ng-Passw0rd-123';
    try {
      const image = await makeBusyboxImage();
      const client = new RegistryClient(
        { registry: registry.host, repository: 'app' },
        {
          credentials: staticCredentials({
            [registry.host]: { username: 'tester', password: wrong },
          }),
          emit: (event) => events.push(event),
        },
      );
      const error = await copyImage(await openStore(image.layout), client, 'latest').then(
        () => assert.fail('push with a wrong password succeeded'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RegistryError);
      assert.equal(error.status, 401);
      assert.match(error.message, / 401 unauthorized/);
      assert.equal(
        error.hint,
        `check the username/password for ${registry.host} (slipway login ${registry.host}, or --creds)`,
      );
      const seen = everything(error, events);
      assert.ok(!seen.includes(wrong));
      assert.ok(!seen.includes(Buffer.from(`tester:${wrong}`).toString('base64')));
    } finally {
      await registry.stop();
    }
  });
}

test('an expired token is refetched once, then a clear 401 without the token', async () => {
  const registry = await startRegistry('token', { tokenLifetimeSeconds: -120 });
  const events: SlipwayEvent[] = [];
  try {
    const client = new RegistryClient(
      { registry: registry.host, repository: 'app' },
      {
        credentials: staticCredentials({
          [registry.host]: { username: registry.username!, password: registry.password! },
        }),
        emit: (event) => events.push(event),
      },
    );
    const error = await client.listTags().catch((e: unknown) => e);
    assert.ok(error instanceof RegistryError);
    assert.equal(error.status, 401);
    assert.deepEqual(error.registryCodes, ['UNAUTHORIZED']);
    const scoped = registry.tokenServer!.requests.filter((r) => r.scopes.length > 0);
    assert.equal(scoped.length, 2);
    const seen = everything(error, events);
    assert.ok(!seen.includes('eyJ'), 'a JWT leaked');
    assert.ok(!seen.includes(registry.password!));
  } finally {
    await registry.stop();
  }
});

test('a bearer token is reused for its scopes until it expires', async () => {
  const registry = await startRegistry('token', { tokenLifetimeSeconds: 300 });
  try {
    const credentials = staticCredentials({
      [registry.host]: { username: registry.username!, password: registry.password! },
    });
    const client = new RegistryClient(
      { registry: registry.host, repository: 'app' },
      { credentials },
    );
    const image = await makeBusyboxImage();
    const layout = await openStore(image.layout);
    await copyImage(layout, client, 'latest', { tag: 'v1' });
    await copyImage(layout, client, 'latest', { tag: 'v2' });
    assert.deepEqual(await client.listTags(), ['v1', 'v2']);
    await client.fetchManifest('v1');
    const asked = registry.tokenServer!.requests.map((r) => r.scopes.join(' '));
    assert.deepEqual(asked.sort(), ['repository:app:pull', 'repository:app:pull,push']);
  } finally {
    await registry.stop();
  }
});

test('a repository that does not exist is a 404 with the registry codes', async () => {
  const registry = await startRegistry('plain');
  try {
    const client = new RegistryClient({ registry: registry.host, repository: 'no/such' });
    const error = await client.fetchManifest('latest').catch((e: unknown) => e);
    assert.ok(error instanceof RegistryError);
    assert.equal(error.status, 404);
    assert.deepEqual(error.registryCodes, ['MANIFEST_UNKNOWN']);
    assert.match(error.message, /^pulling manifest latest from 127\.0\.0\.1:\d+\/no\/such: 404 /);
    assert.equal(error.hint, 'check the repository name and the tag or digest');
    const listing = await client.listTags().catch((e: unknown) => e);
    assert.ok(listing instanceof RegistryError);
    assert.deepEqual(listing.registryCodes, ['NAME_UNKNOWN']);
    assert.match(
      listing.message,
      /^listing tags of 127\.0\.0\.1:\d+\/no\/such: 404 name_unknown: /,
    );
    assert.equal(listing.hint, 'check the repository name');
  } finally {
    await registry.stop();
  }
});

const content = randomBytes(64 * 1024);
const descriptor = { mediaType: OCI_LAYER_GZIP, digest: digestOf(content), size: content.length };

function serveBlob(res: ServerResponse, body: Buffer, length = body.length) {
  res.writeHead(200, {
    'content-length': String(length),
    'content-type': 'application/octet-stream',
  });
  res.end(body);
}

test('a truncated blob download fails and says how far it got', async () => {
  const fake = await startFakeRegistry((req, res) => {
    if (!req.url?.includes('/blobs/')) return res.end();
    res.writeHead(200, { 'content-length': String(content.length) });
    res.write(content.subarray(0, 1000), () => res.destroy());
  });
  try {
    const client = new RegistryClient({ registry: fake.host, repository: 'app' });
    const stream = await client.fetchBlob(descriptor);
    await assert.rejects(text(stream), (error: Error) => {
      assert.ok(error instanceof SlipwayError);
      assert.equal(error.code, 'TRANSFER_INTERRUPTED');
      assert.match(error.message, new RegExp(`^blob ${descriptor.digest} from ${fake.host}/app: `));
      assert.match(error.message, /interrupted after 1000 of 65536 bytes/);
      return true;
    });
  } finally {
    await fake.stop();
  }
});

test('a download cut off once is fetched again and lands whole in the store', async () => {
  let gets = 0;
  const fake = await startFakeRegistry((req, res) => {
    if (!req.url?.includes('/blobs/')) return res.end();
    if (++gets > 1) return serveBlob(res, content);
    res.writeHead(200, { 'content-length': String(content.length) });
    res.write(content.subarray(0, 1000), () => res.destroy());
  });
  try {
    const client = new RegistryClient({ registry: fake.host, repository: 'app' });
    const store = await openStore(`${await makeTemp()}/store`);
    await store.pushBlob(descriptor, () => client.fetchBlob(descriptor));
    assert.equal(gets, 2);
    assert.equal((await store.readBlob(descriptor)).equals(content), true);
  } finally {
    await fake.stop();
  }
});

test('a blob whose content does not match its digest fails with DigestMismatchError', async () => {
  const other = randomBytes(content.length);
  const fake = await startFakeRegistry((req, res) =>
    req.url?.includes('/blobs/') ? serveBlob(res, other) : res.end(),
  );
  try {
    const client = new RegistryClient({ registry: fake.host, repository: 'app' });
    const store = await openStore(`${await makeTemp()}/store`);
    await assert.rejects(
      store.pushBlob(descriptor, () => client.fetchBlob(descriptor)),
      (error: Error) =>
        error instanceof DigestMismatchError &&
        error.message ===
          `blob ${descriptor.digest} from ${fake.host}/app: content has digest ${digestOf(other)}, expected ${descriptor.digest}`,
    );
    assert.equal(await store.hasBlob(descriptor), false);
    assert.equal(await store.hasBlob(digestOf(other)), false);
  } finally {
    await fake.stop();
  }
});

test('malformed manifest JSON is an InputError naming the manifest and registry', async () => {
  const fake = await startFakeRegistry((req, res) => {
    if (!req.url?.includes('/manifests/')) return res.end();
    res.writeHead(200, { 'content-type': OCI_MANIFEST });
    res.end('{"schemaVersion": 2, "config": ');
  });
  try {
    const client = new RegistryClient({ registry: fake.host, repository: 'app' });
    await assert.rejects(client.fetchManifest('v1'), (error: Error) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.code, 'MALFORMED_MANIFEST');
      assert.match(
        error.message,
        new RegExp(`^pulling manifest v1 from ${fake.host}/app: malformed manifest JSON: `),
      );
      return true;
    });
  } finally {
    await fake.stop();
  }
});

test('503 twice then success is retried with backoff; 429 honours Retry-After', async () => {
  let served = 0;
  const fake = await startFakeRegistry((req, res) => {
    if (req.url === '/v2/') return res.end();
    served++;
    if (served <= 2) {
      res.writeHead(503, { 'content-type': 'application/json' });
      return res.end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
    }
    if (served === 3) {
      res.writeHead(429, { 'retry-after': '1' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name: 'app', tags: ['a', 'b'] }));
  });
  const events: SlipwayEvent[] = [];
  try {
    const client = new RegistryClient(
      { registry: fake.host, repository: 'app' },
      { retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 }, emit: (e) => events.push(e) },
    );
    assert.deepEqual(await client.listTags(), ['a', 'b']);
    const retries = events.filter((e) => e.kind === 'registry.retry');
    assert.deepEqual(
      retries.map((e) => (e.message as string).replace(/in [\d.]+ s/, 'in N s')),
      [
        `listing tags of ${fake.host}/app: 503; retrying in N s (try 2 of 4)`,
        `listing tags of ${fake.host}/app: 503; retrying in N s (try 3 of 4)`,
        `listing tags of ${fake.host}/app: 429; retrying in N s (try 4 of 4)`,
      ],
    );
    assert.match(retries[2]!.message as string, /retrying in 1\.0 s/);
  } finally {
    await fake.stop();
  }
});

test('retries are bounded: a registry that always fails gives its error', async () => {
  const fake = await startFakeRegistry((req, res) => {
    if (req.url === '/v2/') return res.end();
    res.writeHead(503);
    res.end();
  });
  try {
    const client = new RegistryClient(
      { registry: fake.host, repository: 'app' },
      { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } },
    );
    await assert.rejects(client.listTags(), /listing tags of .*: 503 service unavailable/);
    assert.equal(fake.requests.filter((r) => r.url.includes('tags')).length, 3);
  } finally {
    await fake.stop();
  }
});

test('large blobs go up in PATCH chunks with Content-Range and pull back intact', async () => {
  const registry = await startRegistry('plain');
  try {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const blob = { mediaType: OCI_LAYER_GZIP, digest: digestOf(big), size: big.length };
    const client = new RegistryClient(
      { registry: registry.host, repository: 'chunks' },
      { upload: { monolithicLimit: 1024 * 1024, chunkSize: 1024 * 1024 } },
    );
    await client.pushBlob(blob, async () =>
      Readable.from([big.subarray(0, 5000), big.subarray(5000)]),
    );
    assert.equal(await client.hasBlob(blob), true);
    const back = Buffer.concat(await (await client.fetchBlob(blob)).toArray());
    assert.equal(back.equals(big), true);
    const log = await readFile(registry.logFile, 'utf8');
    assert.equal(log.match(/"PATCH \/v2\/chunks\/blobs\/uploads\//g)?.length, 4);
  } finally {
    await registry.stop();
  }
});

test('an upload whose content does not match is refused and not retried', async () => {
  const registry = await startRegistry('plain');
  try {
    const client = new RegistryClient({ registry: registry.host, repository: 'bad' });
    let opened = 0;
    const wrong = { ...descriptor, digest: digestOf('not this') };
    await assert.rejects(
      client.pushBlob(wrong, async () => {
        opened++;
        return Readable.from([content]);
      }),
      DigestMismatchError,
    );
    assert.equal(opened, 1);
    assert.equal(await client.hasBlob(wrong), false);
  } finally {
    await registry.stop();
  }
});

async function makeTemp(): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  return mkdtemp(join(tmpdir(), 'slipway-errors-'));
}
