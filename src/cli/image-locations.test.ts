import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SlipwayError } from '../errors/index.js';
import { parseLocation } from './image-locations.js';

// Image locations as push, pull and copy take them; a bare folder path is the
// mistake a user makes first, and is told to write oci:.

test('a bare path is refused with the oci: spelling to use', () => {
  for (const text of ['/tmp/layout', './layout', '../layout']) {
    assert.throws(
      () => parseLocation(text, 'store'),
      (error: SlipwayError) => {
        assert.equal(
          error.describe(),
          `${text} is a path, not an image reference\n` +
            `  hint: write oci:${text} for an OCI layout in that folder`,
        );
        return true;
      },
    );
  }
});

test('oci:, docker:// and bare references are told apart', () => {
  assert.deepEqual(parseLocation('oci:/tmp/layout:v1', 'store'), {
    kind: 'oci',
    dir: '/tmp/layout',
    tag: 'v1',
  });
  assert.deepEqual(parseLocation('app', 'store'), { kind: 'store', name: 'app' });
  const remote = parseLocation('docker://127.0.0.1:5000/team/app:1', 'store');
  assert.equal(remote.kind, 'registry');
});
