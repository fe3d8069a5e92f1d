import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Digest } from '../image/digest.js';
import { type ParsedManifest, parseManifest } from '../image/manifest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from '../image/media-types.js';
import { parsePlatform } from '../image/platform.js';
import { pickPlatform } from './copy.js';

// A Docker manifest list whose entries come in an order that a first-match
// search gets wrong: amd64/v3 before plain amd64, arm/v6 before arm/v7.
const platforms = ['linux/amd64/v3', 'linux/amd64', 'linux/arm/v6', 'linux/arm/v7'];
const list = parseManifest(
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: platforms.map((text, i) => {
        const [os, architecture, variant] = text.split('/');
        return {
          mediaType: DOCKER_MANIFEST,
          digest: `sha256:${String(i + 1).repeat(64)}` as Digest,
          size: 500 + i,
          platform: { os, architecture, ...(variant ? { variant } : {}) },
        };
      }),
    }),
  ),
) as ParsedManifest & { kind: 'index' };

function picked(wanted: string): string {
  const entry = pickPlatform(list, parsePlatform(wanted), 'app:1');
  return `${entry.size} ${entry.platform?.architecture}/${entry.platform?.variant ?? ''}`;
}

test('an index entry is picked in variant order, not list order', () => {
  assert.equal(picked('linux/amd64'), '501 amd64/');
  assert.equal(picked('linux/amd64/v3'), '500 amd64/v3');
  assert.equal(picked('linux/arm/v7'), '503 arm/v7');
  assert.equal(picked('linux/arm/v8'), '503 arm/v7');
  assert.equal(picked('linux/arm/v6'), '502 arm/v6');
});

test('no entry for the platform names the image and lists what the index has', () => {
  assert.throws(() => picked('linux/arm64'), {
    code: 'NO_MATCHING_PLATFORM',
    message:
      'app:1: no manifest for linux/arm64/v8 in the index; it has: ' +
      'linux/amd64/v3, linux/amd64, linux/arm/v6, linux/arm/v7',
  });
});
