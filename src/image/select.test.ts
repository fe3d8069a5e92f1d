import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Descriptor } from './descriptor.js';
import type { Digest } from './digest.js';
import type { ImageIndex } from './manifest.js';
import { OCI_MANIFEST } from './media-types.js';
import { parsePlatform } from './platform.js';
import { compatibleVariants, selectManifest } from './select.js';

function entry(platform: string, n: number): Descriptor {
  const [os = '', architecture = '', variant] = platform.split('/');
  return {
    mediaType: OCI_MANIFEST,
    digest: `sha256:${String(n).repeat(64).slice(0, 64)}` as Digest,
    size: 100 + n,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  };
}

function index(...platforms: string[]): ImageIndex {
  return { schemaVersion: 2, manifests: platforms.map((p, i) => entry(p, i + 1)) };
}

function pick(ix: ImageIndex, wanted?: string): string {
  const found = selectManifest(ix, wanted === undefined ? undefined : parsePlatform(wanted));
  const p = found.platform;
  return `${p?.os}/${p?.architecture}${p?.variant ? `/${p.variant}` : ''}`;
}

test('linux/amd64 is the default', () => {
  assert.equal(pick(index('linux/arm64', 'linux/amd64', 'windows/amd64')), 'linux/amd64');
});

test('arm/v7 takes v7, then v6, then v5; never v8', () => {
  assert.equal(
    pick(index('linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7'), 'linux/arm/v7'),
    'linux/arm/v7',
  );
  assert.equal(pick(index('linux/arm/v5', 'linux/arm/v6'), 'linux/arm/v7'), 'linux/arm/v6');
  assert.equal(pick(index('linux/arm/v5', 'linux/arm64'), 'linux/arm/v7'), 'linux/arm/v5');
  assert.throws(
    () => pick(index('linux/arm/v8'), 'linux/arm/v7'),
    /no manifest for linux\/arm\/v7/,
  );
  assert.deepEqual(compatibleVariants({ os: 'linux', architecture: 'arm' }), ['v7', 'v6', 'v5']);
});

test('arm64 matches entries with or without v8', () => {
  assert.equal(pick(index('linux/amd64', 'linux/arm64'), 'linux/arm64'), 'linux/arm64');
  assert.equal(pick(index('linux/arm64/v8'), 'arm64'), 'linux/arm64/v8');
  assert.equal(pick(index('linux/arm64'), 'linux/aarch64'), 'linux/arm64');
});

test('amd64 micro-architecture levels fall back to plain amd64', () => {
  assert.equal(pick(index('linux/amd64', 'linux/amd64/v3'), 'linux/amd64/v3'), 'linux/amd64/v3');
  assert.equal(pick(index('linux/amd64', 'linux/amd64/v2'), 'linux/amd64/v3'), 'linux/amd64/v2');
  assert.equal(pick(index('linux/amd64/v3', 'linux/amd64'), 'linux/amd64'), 'linux/amd64');
});

test('no match: the error lists the platforms the index has, not attestations', () => {
  const ix = index('linux/amd64', 'linux/arm/v6', 'unknown/unknown');
  assert.throws(() => pick(ix, 'linux/s390x'), {
    code: 'NO_MATCHING_PLATFORM',
    message: 'no manifest for linux/s390x in the index; it has: linux/amd64, linux/arm/v6',
    hint: 'choose one of those with --platform',
  });
});
