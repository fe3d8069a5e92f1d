import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError } from '../errors/index.js';
import { type Digest, Digester, digestAlgorithm } from '../image/digest.js';

/** What a stream of content must turn out to be. */
export interface ExpectedContent {
  digest: Digest;
  size?: number;
}

/**
 * A pass-through stream that digests what flows through it and fails at the
 * end (or as soon as the size is exceeded) if the content is not `expected`.
 * `what` names the content in the error: `blob sha256:… from 127.0.0.1:5000`.
 */
export function verifyingStream(expected: ExpectedContent, what: string): Transform {
  const digester = new Digester(digestAlgorithm(expected.digest));
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      digester.update(chunk);
      if (expected.size !== undefined && digester.size > expected.size) {
        callback(tooLong(what, expected.size));
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      callback(mismatch(expected, { digest: digester.digest(), size: digester.size }, what));
    },
  });
  checking.set(stream, expected);
  return stream;
}

// Streams made by verifyingStream, with what each checks, so that a consumer
// that would hash the same bytes again (a store write, an upload) need not.
const checking = new WeakMap<Readable, ExpectedContent>();

/** Whether `stream` already fails unless its content is exactly `expected` (digest and size). */
export function checksContent(stream: Readable, expected: ExpectedContent): boolean {
  const checked = checking.get(stream);
  return (
    checked !== undefined &&
    checked.digest === expected.digest &&
    checked.size !== undefined &&
    checked.size === expected.size
  );
}

function tooLong(what: string, size: number): DigestMismatchError {
  return new DigestMismatchError(`${what}: content is longer than its size ${size}`);
}

/** The error for content that did not match, or undefined when it did. */
export function mismatch(
  expected: ExpectedContent,
  actual: { digest: Digest; size: number },
  what: string,
): DigestMismatchError | undefined {
  if (expected.size !== undefined && actual.size !== expected.size) {
    return new DigestMismatchError(
      `${what}: got ${actual.size} bytes, expected ${expected.size} (truncated or corrupt)`,
    );
  }
  if (actual.digest !== expected.digest) {
    return new DigestMismatchError(
      `${what}: content has digest ${actual.digest}, expected ${expected.digest}`,
    );
  }
  return undefined;
}
