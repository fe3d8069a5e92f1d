import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BuildResult } from '../../build/index.js';
import { parseDigest } from '../../image/index.js';
import { buildMetadata } from './metadata-file.js';

// The metadata file's JSON, compared as text: key order and names as buildx writes them.

const manifest = parseDigest(`sha256:${'a'.repeat(64)}`);
const config = parseDigest(`sha256:${'b'.repeat(64)}`);
const result: BuildResult = {
  digest: manifest,
  configDigest: config,
  references: [],
  descriptor: {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: manifest,
    size: 481,
  },
};

test('tags are normalised as BuildKit names them, comma-joined, keys sorted', () => {
  const tags = ['app', 'team/app:1.0', '127.0.0.1:5000/app', `app@${config}`];
  assert.equal(
    JSON.stringify(buildMetadata(result, tags)),
    JSON.stringify({
      'containerimage.config.digest': config,
      'containerimage.descriptor': {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifest,
        size: 481,
      },
      'containerimage.digest': manifest,
      'image.name': [
        'docker.io/library/app:latest',
        'docker.io/team/app:1.0',
        '127.0.0.1:5000/app:latest',
        `docker.io/library/app@${config}`,
      ].join(','),
    }),
  );
});

test('a build with no tag has no image.name, as BuildKit leaves it out', () => {
  assert.deepEqual(Object.keys(buildMetadata(result, [])), [
    'containerimage.config.digest',
    'containerimage.descriptor',
    'containerimage.digest',
  ]);
});
