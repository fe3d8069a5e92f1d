import assert from 'node:assert/strict';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { sizedStream } from './sized-stream.js';

/** A filter that prefixes each chunk with its name, so the output shows which one ran. */
function tagging(name: string, used: string[]) {
  return () => {
    used.push(name);
    return new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        callback(null, Buffer.concat([Buffer.from(`${name}:`), chunk]));
      },
    });
  };
}

async function through(chunks: string[], threshold: number) {
  const used: string[] = [];
  const out: Buffer[] = [];
  const filter = sizedStream(threshold, tagging('small', used), tagging('large', used));
  filter.on('data', (chunk: Buffer) => out.push(chunk));
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), filter, new PassThrough());
  return { used, output: Buffer.concat(out).toString() };
}

test('an input within the threshold goes through the small filter, all of it', async () => {
  assert.deepEqual(await through(['ab', 'cd'], 4), { used: ['small'], output: 'small:absmall:cd' });
});

test('an input past the threshold goes through the large filter, held bytes first', async () => {
  assert.deepEqual(await through(['ab', 'cd', 'e', 'fg'], 4), {
    used: ['large'],
    output: 'large:ablarge:cdlarge:elarge:fg',
  });
});

test('an empty input still ends through the small filter', async () => {
  assert.deepEqual(await through([], 4), { used: ['small'], output: '' });
});

test("the chosen filter's failure fails the stream", async () => {
  const failing = () =>
    new Transform({
      transform(_chunk, _encoding, callback) {
        callback(new Error('filter broke'));
      },
    });
  const filter = sizedStream(1, failing, failing);
  await assert.rejects(pipeline(Readable.from([Buffer.from('abc')]), filter, new PassThrough()), {
    message: 'filter broke',
  });
});
