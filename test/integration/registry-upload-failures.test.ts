import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { DigestMismatchError } from '../../src/errors/index.js';
import type { Descriptor } from '../../src/image/descriptor.js';
import type { ImageSource } from '../../src/image/transport.js';
import type { SlipwayEvent } from '../../src/log/index.js';
import { copyImage, RegistryClient } from '../../src/registry/index.js';
import { openStore } from '../../src/store/index.js';
import { makeBusyboxImage } from '../harness/base-image.js';
import { startRegistry } from '../harness/registry.js';

// Pushes that fail part-way, against the real registry: an upload whose source
// breaks is started over; one that cannot succeed leaves no manifest behind.

/** The layout's image, with the layer's stream breaking after 1000 bytes `breaks` times. */
async function breakingSource(breaks: number): Promise<{ source: ImageSource; opened: string[] }> {
  const image = await makeBusyboxImage();
  const layout = await openStore(image.layout);
  const opened: string[] = [];
  const source: ImageSource = {
    fetchManifest: (selector) => layout.fetchManifest(selector),
    async fetchBlob(descriptor: Descriptor) {
      opened.push(descriptor.digest);
      if (descriptor.digest !== image.layerDigest || breaks-- <= 0) {
        return layout.fetchBlob(descriptor);
      }
      const head = (await layout.readBlob(descriptor)).subarray(0, 1000);
      return Readable.from(
        (async function* () {
          yield head;
          throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        })(),
      );
    },
  };
  return { source, opened };
}

test('an upload whose source breaks is started over and the image lands whole', async () => {
  const registry = await startRegistry('plain');
  try {
    const { source, opened } = await breakingSource(1);
    const events: SlipwayEvent[] = [];
    const client = new RegistryClient(
      { registry: registry.host, repository: 'app' },
      { emit: (e) => events.push(e) },
    );
    const image = await makeBusyboxImage();
    const pushed = await copyImage(source, client, 'latest', { tag: 'v1' });
    assert.equal(pushed.descriptor.digest, image.manifestDigest);
    assert.equal(opened.filter((d) => d === image.layerDigest).length, 2);
    const retries = events.filter((e) => e.kind === 'registry.retry').map((e) => e.message);
    assert.equal(retries.length, 1);
    assert.match(
      retries[0] as string,
      /interrupted after 1000 of \d+ bytes: read ECONNRESET; starting over \(try 2 of 4\)$/,
    );
    assert.equal((await client.headManifest('v1'))?.digest, image.manifestDigest);
  } finally {
    await registry.stop();
  }
});

test('a blob that cannot be uploaded leaves no manifest at the registry', async () => {
  const registry = await startRegistry('plain');
  try {
    const image = await makeBusyboxImage();
    const layout = await openStore(image.layout);
    const layer = await layout.readBlob(image.layerDigest as Descriptor['digest']);
    const wrong: ImageSource = {
      fetchManifest: (selector) => layout.fetchManifest(selector),
      async fetchBlob(descriptor) {
        if (descriptor.digest !== image.layerDigest) return layout.fetchBlob(descriptor);
        const tampered = Buffer.from(layer);
        const last = tampered.length - 1;
        tampered.writeUInt8(tampered.readUInt8(last) ^ 0xff, last);
        return Readable.from([tampered]);
      },
    };
    const client = new RegistryClient({ registry: registry.host, repository: 'app' });
    await assert.rejects(copyImage(wrong, client, 'latest', { tag: 'v1' }), DigestMismatchError);
    assert.equal(await client.headManifest('v1'), undefined);
    assert.equal(await client.headManifest(image.manifestDigest), undefined);
    assert.equal(
      await client.hasBlob({ mediaType: '', digest: image.layerDigest, size: 0 } as Descriptor),
      false,
    );
  } finally {
    await registry.stop();
  }
});
