import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { digestOf } from '../image/digest.js';
import { OCI_LAYER_GZIP } from '../image/media-types.js';
import { openStore } from './index.js';

// Real processes writing one store: at the same time, and killed mid-write.

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
const storeModule = new URL('./index.js', import.meta.url).href;

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-store-procs-'));
  dirs.push(dir);
  return dir;
}

/** Run module code in a new node process; resolves to it once spawned. */
function node(code: string) {
  const prelude = `const { openStore } = await import(${JSON.stringify(storeModule)});\n`;
  return spawn(process.execPath, ['--input-type=module', '-e', prelude + code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

function exited(child: ReturnType<typeof node>): Promise<number | string> {
  return new Promise((resolve) => child.on('exit', (status, signal) => resolve(status ?? signal!)));
}

test('two processes writing the same and different blobs at once leave a sound store', async () => {
  const dir = join(await tempDir(), 'layout');
  await openStore(dir);
  // Each writer streams the same 8 blobs and 8 of its own, in 64-byte pieces,
  // starting together once both are ready.
  const writer = (name: string) => `
    const { randomBytes, createHash } = await import('node:crypto');
    const { Readable } = await import('node:stream');
    const store = await openStore(${JSON.stringify(dir)});
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    const pieces = (seed, n) => Array.from({ length: n }, (_, i) =>
      createHash('sha512').update(seed + i).digest());
    await Promise.all(Array.from({ length: 16 }, (_, i) => {
      const seed = i < 8 ? 'shared' + i : '${name}' + i;
      return store.writeBlob(Readable.from(pieces(seed, 2048)));
    }));`;
  const writers = [node(writer('a')), node(writer('b'))];
  await Promise.all(writers.map((w) => new Promise((ready) => w.stdout.once('data', ready))));
  for (const w of writers) w.stdin.end('go\n');
  const statuses = await Promise.all(writers.map(exited));
  assert.deepEqual(statuses, [0, 0]);
  const store = await openStore(dir);
  const names = await readdir(join(dir, 'blobs/sha256'));
  assert.equal(names.length, 24);
  for (const name of names) {
    const digest = `sha256:${name}` as ReturnType<typeof digestOf>;
    const stream = await store.fetchBlob({ mediaType: OCI_LAYER_GZIP, digest, size: 2048 * 64 });
    for await (const _ of stream) {
      // reading to the end verifies digest and size
    }
  }
  assert.deepEqual(await readdir(join(dir, '.tmp')), []);
});

test('a process killed while writing a blob leaves no blob; the next open clears its temp file', async () => {
  const dir = join(await tempDir(), 'layout');
  const content = randomBytes(4 * 1024 * 1024);
  const digest = digestOf(content);
  await openStore(dir);
  const child = node(`
    const { Readable } = await import('node:stream');
    const store = await openStore(${JSON.stringify(dir)});
    async function* slowly() {
      yield Buffer.alloc(1024 * 1024);
      // Killed only once the temp file is there: the store opens it as the write starts.
      const { readdirSync } = await import('node:fs');
      while (readdirSync(${JSON.stringify(join(dir, '.tmp'))}).length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      process.stdout.write('half written\\n');
      await new Promise(() => setInterval(() => {}, 1000));
    }
    await store.writeBlob(Readable.from(slowly()), { digest: '${digest}', size: ${content.length} });`);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.kill('SIGKILL');
  assert.equal(await exited(child), 'SIGKILL');

  assert.equal((await readdir(join(dir, '.tmp'))).length, 1);
  const store = await openStore(dir);
  assert.equal(await store.hasBlob(digest), false);
  assert.deepEqual(await readdir(join(dir, 'blobs/sha256')), []);
  assert.deepEqual(await readdir(join(dir, '.tmp')), [], 'the dead write was cleared');
  assert.deepEqual(await store.writeBlob(content, { digest, size: content.length }), {
    digest,
    size: content.length,
  });
  assert.equal((await store.readBlob(digest)).equals(content), true);
});
