import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { changesFromOverlayUpper, gzipCompressor, type WrittenLayer, writeLayer } from './index.js';

const EPOCH = 1_700_000_000;
const needsPigz = { skip: gzipCompressor() === 'pigz' ? false : 'pigz is not installed' };
let tree: string;

before(async () => {
  tree = await mkdtemp(join(tmpdir(), 'slipway-gzip-'));
  await mkdir(join(tree, 'data'));
  // 3 MB that compress poorly enough to span many of pigz's 128 KiB blocks.
  for (let i = 0; i < 3; i++) {
    const text = Array.from({ length: 1 << 16 }, (_, n) => `${i}:${(n * 2654435761) % 1e9}`);
    await writeFile(join(tree, 'data', `part${i}.txt`), text.join('\n'));
  }
  await writeFile(join(tree, 'small'), 'hello\n');
});
after(async () => {
  await rm(tree, { recursive: true, force: true });
});

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function layerBytes(compression: 'gzip' | 'none'): Promise<[WrittenLayer, Buffer]> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const changes = await changesFromOverlayUpper(join(tree, 'data'));
  const written = await writeLayer(changes, sink, { sourceDateEpoch: EPOCH, compression });
  return [written, Buffer.concat(chunks)];
}

/** Write the tree's layer in a node process with this PATH; it prints its outcome. */
function layerWithPath(path: string): { tool: string; written?: WrittenLayer; error?: string } {
  const index = new URL('./index.js', import.meta.url).href;
  const script = `
    const { changesFromOverlayUpper, gzipCompressor, writeLayer } = await import(${JSON.stringify(index)});
    const { PassThrough } = await import('node:stream');
    const sink = new PassThrough().resume();
    const changes = await changesFromOverlayUpper(process.argv[1]);
    const tool = gzipCompressor();
    try {
      const written = await writeLayer(changes, sink, { sourceDateEpoch: ${EPOCH} });
      console.log(JSON.stringify({ tool, written }));
    } catch (error) {
      console.log(JSON.stringify({ tool, error: error.code + ' ' + error.message }));
    }
  `;
  const args = ['--input-type=module', '-e', script, join(tree, 'data')];
  const env = { ...process.env, PATH: path };
  return JSON.parse(execFileSync(process.execPath, args, { env }).toString());
}

/** Compression programs that are children of this process and not yet reaped. */
function pigzChildren(): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && stat.includes('(pigz)');
      } catch {
        return false; // ended while we looked
      }
    });
}

test(
  'pigz writes a reproducible gzip of the same tar, whatever its threads',
  needsPigz,
  async () => {
    const [plain, tar] = await layerBytes('none');
    const [first, blob] = await layerBytes('gzip');
    const [second, again] = await layerBytes('gzip');
    assert.deepEqual(again, blob);
    assert.deepEqual(second, first);
    assert.equal(first.diffId, plain.diffId);
    assert.equal(first.digest, sha256(blob));
    assert.equal(first.size, blob.length);
    assert.deepEqual(gunzipSync(blob), tar);
    // The header names no file and no time.
    assert.deepEqual([...blob.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    for (const threads of ['-p1', '-p2']) {
      const direct = execFileSync('pigz', ['-c', '-n', '-6', threads], { input: tar });
      assert.deepEqual(direct, blob);
    }
  },
);

test('without pigz on PATH, zlib writes the gzip', async () => {
  const [plain, tar] = await layerBytes('none');
  const outcome = layerWithPath(join(tree, 'no-such-dir'));
  assert.equal(outcome.tool, 'zlib');
  const zlib = outcome.written;
  const expected = gzipSync(tar, { level: 6 });
  assert.deepEqual(zlib, {
    digest: sha256(expected),
    diffId: plain.diffId,
    size: expected.length,
    uncompressedSize: tar.length,
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  });
  assert.deepEqual(gunzipSync(expected), tar);
});

test('a failing pigz fails the layer write with its message', async () => {
  const bin = join(tree, 'bin');
  await mkdir(bin, { recursive: true });
  const fake = '#!/bin/sh\n/bin/cat >/dev/null\necho "pigz: abort: write error" >&2\nexit 1\n';
  await writeFile(join(bin, 'pigz'), fake);
  await chmod(join(bin, 'pigz'), 0o755);
  assert.deepEqual(layerWithPath(bin), {
    tool: 'pigz',
    error: 'GZIP_FAILED writing layer (gzip): pigz failed: pigz: abort: write error',
  });
});

test('an abort stops the write and kills pigz', needsPigz, async () => {
  const stop = new AbortController();
  let seen = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (pigzChildren().length === 1) stop.abort();
      callback();
    },
  });
  const changes = await changesFromOverlayUpper(join(tree, 'data'));
  const writing = writeLayer(changes, sink, { sourceDateEpoch: EPOCH, signal: stop.signal });
  await assert.rejects(writing, { name: 'AbortError' });
  assert.ok(seen > 0);
  // The kill is sent at once; wait for the kernel and libuv to reap the child.
  for (let i = 0; i < 200 && pigzChildren().length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(pigzChildren(), []);
});
