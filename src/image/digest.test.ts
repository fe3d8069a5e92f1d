import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Digester,
  digestAlgorithm,
  digestEncoded,
  digestOf,
  isDigest,
  parseDigest,
} from './digest.js';

const SHA256_ABC = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA512_ABC =
  'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
  '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';

test('digests of known content (FIPS 180 "abc" vectors)', () => {
  assert.equal(digestOf('abc'), SHA256_ABC);
  assert.equal(digestOf(Buffer.from('abc'), 'sha512'), SHA512_ABC);
  assert.equal(
    digestOf(''),
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('a streamed digest equals the one-shot digest and counts bytes', () => {
  const digester = new Digester('sha512');
  digester.update(Buffer.from('a'));
  digester.update(Buffer.from('bc'));
  assert.equal(digester.size, 3);
  assert.equal(digester.digest(), SHA512_ABC);
});

test('valid sha256 and sha512 digests parse; parts are read back', () => {
  assert.equal(parseDigest(SHA256_ABC), SHA256_ABC);
  assert.equal(parseDigest(SHA512_ABC), SHA512_ABC);
  assert.equal(digestAlgorithm(parseDigest(SHA512_ABC)), 'sha512');
  assert.equal(digestEncoded(parseDigest(SHA256_ABC)), SHA256_ABC.slice(7));
});

const bad: [string, RegExp][] = [
  ['', /expected sha256:<64 hex> or sha512:<128 hex>/],
  ['ba7816bf', /expected sha256:<64 hex>/],
  ['md5:900150983cd24fb0d6963f7d28e17f72', /expected sha256/],
  ['sha256:abc', /sha256 needs 64 lowercase hex digits/],
  [SHA256_ABC.toUpperCase().replace('SHA256', 'sha256'), /needs 64 lowercase hex/],
  [`${SHA256_ABC}00`, /sha256 needs 64/],
  [`sha512:${SHA256_ABC.slice(7)}`, /sha512 needs 128/],
  [`sha256:${'g'.repeat(64)}`, /lowercase hex/],
];
for (const [text, message] of bad) {
  test(`digest ${JSON.stringify(text.slice(0, 24))}… is rejected`, () => {
    assert.throws(() => parseDigest(text), { code: 'INVALID_DIGEST', message });
    assert.equal(isDigest(text), false);
  });
}
