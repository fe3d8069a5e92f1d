import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWithin } from './fs.js';

test('a path is within a root when it is the root or below it', () => {
  assert.deepEqual(
    ['/ws', '/ws/a', '/ws/a/../b', '/ws/../x', '/other', '/'].map((path) => isWithin('/ws', path)),
    [true, true, true, false, false, false],
  );
});
