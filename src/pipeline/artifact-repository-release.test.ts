import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseReleaseVersion, compareReleaseVersions } from './artifact-repository-release.js';

test('the first release is 1.0.0.0 and the fourth number counts up', () => {
  assert.equal(chooseReleaseVersion(undefined, [], true, 'release'), '1.0.0.0');
  assert.equal(chooseReleaseVersion(undefined, ['1.0.0.0', '1.0.0.1'], true, 'r'), '1.0.0.2');
});

test('a free requested version is used as is', () => {
  assert.equal(chooseReleaseVersion('2.3.0.0', ['1.0.0.0'], false, 'r'), '2.3.0.0');
});

test('a taken version is bumped past the highest with autoIncrement', () => {
  const taken = ['1.0.0.0', '1.0.0.9', '1.0.0.10', '1.0.0.2'];
  assert.equal(chooseReleaseVersion('1.0.0.0', taken, true, 'r'), '1.0.0.11');
});

test('a taken version fails without autoIncrement, naming the next free one', () => {
  assert.throws(() => chooseReleaseVersion('1.0.0.0', ['1.0.0.0'], false, 'release'), {
    message: 'version 1.0.0.0 is already released in repository release',
    hint: 'use a new version (the next free one is 1.0.0.1) or set autoIncrement: true',
  });
});

test('versions that are not four numbers are refused', () => {
  assert.throws(() => chooseReleaseVersion('1.0', [], true, 'r'), {
    message: 'release version "1.0" is not four numbers',
  });
});

test('versions order by number, not text', () => {
  const sorted = ['1.0.0.10', '1.0.0.9', '2.0.0.0', '1.10.0.0'].sort(compareReleaseVersions);
  assert.deepEqual(sorted, ['1.0.0.9', '1.0.0.10', '1.10.0.0', '2.0.0.0']);
});
