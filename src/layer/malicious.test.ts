import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { applyLayer } from './apply.js';
import {
  type CraftedEntry,
  craftTar,
  dir,
  file,
  hardlinkEntry,
  symlinkEntry,
} from './tar-craft.js';

// Layers built to escape the root. Each test has a sibling directory
// `outside/` next to the root holding `secret`, which must survive untouched.

let scratch: string;
let count = 0;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'slipway-malicious-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function attempt(): Promise<{ root: string; outside: string }> {
  const base = join(scratch, String(count++));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await mkdir(root, { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'secret\n');
  return { root, outside };
}

async function apply(root: string, entries: CraftedEntry[]) {
  return applyLayer(Readable.from([craftTar(entries)]), root);
}

test('a ".." entry is refused and nothing is written outside', async () => {
  const entries = [file('../outside/pwned', 'x')];
  const { root, outside } = await attempt();
  await assert.rejects(apply(root, entries), {
    code: 'UNSAFE_LAYER_PATH',
    message: /applying layer: layer entry "..\/outside\/pwned" points outside the root/,
  });
  assert.equal(existsSync(join(outside, 'pwned')), false);
});

test('an absolute entry is refused', async () => {
  const entries = [file('/tmp/pwned', 'x')];
  const { root } = await attempt();
  await assert.rejects(apply(root, entries), { code: 'UNSAFE_LAYER_PATH' });
});

test('a file under a symlink to ".." lands inside the root', async () => {
  const entries = [symlinkEntry('up', '../outside'), file('up/pwned', 'x')];
  const { root, outside } = await attempt();
  await apply(root, entries);
  assert.equal(existsSync(join(outside, 'pwned')), false);
  assert.equal(await readFile(join(root, 'outside', 'pwned'), 'utf8'), 'x');
});

test('a file under an absolute symlink resolves against the root, not /', async () => {
  const { root, outside } = await attempt();
  const entries = [symlinkEntry('abs', outside), file('abs/pwned', 'x')];
  await apply(root, entries);
  assert.equal(existsSync(join(outside, 'pwned')), false);
  assert.equal(await readFile(join(root, outside, 'pwned'), 'utf8'), 'x');
});

test('a file replacing a symlink does not write through it', async () => {
  const { root, outside } = await attempt();
  const entries = [symlinkEntry('secret', join(outside, 'secret')), file('secret', 'over')];
  await apply(root, entries);
  assert.equal(await readFile(join(outside, 'secret'), 'utf8'), 'secret\n');
  assert.equal(await readFile(join(root, 'secret'), 'utf8'), 'over');
});

test('a hard link out of the root is refused', async () => {
  const entries = [hardlinkEntry('stolen', '../outside/secret')];
  const { root } = await attempt();
  await assert.rejects(apply(root, entries), { code: 'UNSAFE_LAYER_PATH' });
});

test('a hard link through a symlinked directory cannot reach outside', async () => {
  const { root, outside } = await attempt();
  const entries = [symlinkEntry('l', outside), hardlinkEntry('stolen', 'l/secret')];
  await assert.rejects(apply(root, entries), {
    code: 'BAD_HARDLINK',
    message: /hard link target l\/secret does not exist/,
  });
  assert.equal(existsSync(join(root, 'stolen')), false);
});

test('a whiteout through a symlink to ".." deletes nothing outside', async () => {
  const entries = [symlinkEntry('l', '../outside'), file('l/.wh.secret', '')];
  const { root, outside } = await attempt();
  await apply(root, entries);
  assert.equal(await readFile(join(outside, 'secret'), 'utf8'), 'secret\n');
});

test('a whiteout named ".wh..." is refused', async () => {
  const entries = [dir('a/'), file('a/.wh...', '')];
  const { root } = await attempt();
  await assert.rejects(apply(root, entries), { code: 'BAD_WHITEOUT' });
});

test('a truncated layer is an error, not a partial success', async () => {
  const { root } = await attempt();
  const tar = craftTar([file('big', 'x'.repeat(5000))]).subarray(0, 2048);
  await assert.rejects(applyLayer(Readable.from([tar]), root), /applying layer/);
});
