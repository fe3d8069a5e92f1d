import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, digestParts, RecordDigest, stepKey } from './cache-key.js';

test('keys of parts that concatenate alike differ', () => {
  assert.notEqual(stepKey('p', 'RUN', ['ab', 'c']), stepKey('p', 'RUN', ['a', 'bc']));
  assert.notEqual(stepKey('p', 'RUN', 'a b'), stepKey('p', 'RUN', 'a', 'b'));
  assert.notEqual(stepKey(null, 'FROM', 'x'), stepKey('null', 'FROM', 'x'));
  assert.notEqual(digestParts(['1']), digestParts([1]));
});

test('a key depends on its parent and is stable', () => {
  const key = stepKey('sha256:parent', 'COPY', 'sha256:content', '/dest/');
  assert.equal(key, stepKey('sha256:parent', 'COPY', 'sha256:content', '/dest/'));
  assert.notEqual(key, stepKey('sha256:other', 'COPY', 'sha256:content', '/dest/'));
  assert.match(key, /^sha256:[0-9a-f]{64}$/);
});

test('object keys are encoded in sorted order', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
  assert.equal(digestParts([{ b: 1, a: 2 }]), digestParts([{ a: 2, b: 1 }]));
});

test('record digests separate records', () => {
  const one = new RecordDigest();
  one.add(['a\n', 'b']);
  const two = new RecordDigest();
  two.add(['a']);
  two.add(['b']);
  assert.notEqual(one.digest(), two.digest());
  assert.equal(two.size, 2);
});
