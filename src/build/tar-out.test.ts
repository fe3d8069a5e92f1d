import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createTar } from './tar-out.js';

// An output's tarball into a file or a stream (stdout for dest=-), and the
// errors when there is no stream or it closes early.

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-tar-out-'));
  await writeFile(join(dir, 'a.txt'), 'a'.repeat(300_000));
});
after(() => rm(dir, { recursive: true, force: true }));

test('dest - streams the same tar into the stream as a file gets', async () => {
  const file = join(dir, 'out.tar');
  await createTar(['-C', dir, 'a.txt'], file);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await createTar(['-C', dir, 'a.txt'], '-', sink);
  assert.equal(sink.writableEnded, false);
  assert.ok(Buffer.concat(chunks).equals(await readFile(file)));
});

test('dest - without a stream, a stream that fails, and a tar that fails are errors', async () => {
  await assert.rejects(createTar(['-C', dir, 'a.txt'], '-'), { code: 'OUTPUT_NO_STDOUT' });
  const closed = new Writable({
    write: (_chunk, _encoding, done) => done(Object.assign(new Error('EPIPE'), { code: 'EPIPE' })),
  });
  await assert.rejects(createTar(['-C', dir, 'a.txt'], '-', closed), {
    code: 'OUTPUT_STDOUT_CLOSED',
    message: 'stdout closed before the tarball ended',
  });
  const full = new Writable({
    write: (_chunk, _encoding, done) =>
      done(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })),
  });
  await assert.rejects(createTar(['-C', dir, 'a.txt'], '-', full), {
    code: 'OUTPUT_STDOUT_FAILED',
    message: 'writing the tarball to stdout: ENOSPC: no space left on device, write',
  });
  await assert.rejects(createTar(['-C', dir, 'missing.txt'], join(dir, 'x.tar')), {
    code: 'OUTPUT_TAR_FAILED',
  });
});
