import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { digestCopy, executeCopy, parseModeChange, planCopy, resolveChown } from './index.js';
import type { CopySpec } from './plan.js';

const temp = mkdtempSync(join(tmpdir(), 'slipway-copy-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let counter = 0;

/** A fresh context and rootfs; files are `path: content`, dirs end in `/`. */
function fixture(files: Record<string, string>) {
  counter += 1;
  const base = join(temp, String(counter));
  const context = join(base, 'context');
  const rootfs = join(base, 'rootfs');
  mkdirSync(context, { recursive: true });
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/:/bin/sh\n',
  );
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) mkdirSync(join(context, path), { recursive: true });
    else {
      mkdirSync(join(context, path, '..'), { recursive: true });
      writeFileSync(join(context, path), content);
    }
  }
  return { context, rootfs };
}

function spec(context: string, sources: string[], dest: string, extra: Partial<CopySpec> = {}) {
  return {
    srcRoot: context,
    sources,
    dest,
    fromContext: true,
    excludes: [],
    parents: false,
    unpackArchives: false,
    ...extra,
  } satisfies CopySpec;
}

async function copy(rootfs: string, copySpec: CopySpec) {
  await executeCopy(await planCopy(copySpec, rootfs), copySpec, rootfs);
}

/** `path type mode uid:gid content` lines for everything under `dir` in the rootfs. */
function tree(rootfs: string, dir: string): string[] {
  const lines: string[] = [];
  const visit = (path: string) => {
    const stat = lstatSync(join(rootfs, path));
    const mode = (stat.mode & 0o7777).toString(8);
    const owner = `${stat.uid}:${stat.gid}`;
    if (stat.isSymbolicLink()) {
      lines.push(`${path} link ${owner} -> ${readlinkSync(join(rootfs, path))}`);
    } else if (stat.isDirectory()) {
      lines.push(`${path} dir ${mode} ${owner}`);
      for (const name of readdirSync(join(rootfs, path)).sort()) visit(`${path}/${name}`);
    } else {
      const text = readFileSync(join(rootfs, path), 'utf8');
      lines.push(`${path} file ${mode} ${owner} ${text}${stat.nlink > 1 ? ' (linked)' : ''}`);
    }
  };
  visit(dir);
  return lines;
}

test('a file lands on the destination path, or inside a destination ending in /', async () => {
  const { context, rootfs } = fixture({ 'a.txt': 'A' });
  chownSync(join(context, 'a.txt'), 1234, 1234);
  chmodSync(join(context, 'a.txt'), 0o640);
  await copy(rootfs, spec(context, ['a.txt'], '/x/b.txt'));
  await copy(rootfs, spec(context, ['a.txt'], '/y/'));
  assert.deepEqual(tree(rootfs, '/x'), ['/x dir 755 0:0', '/x/b.txt file 640 0:0 A']);
  assert.deepEqual(tree(rootfs, '/y'), ['/y dir 755 0:0', '/y/a.txt file 640 0:0 A']);
});

test('a directory source copies its contents; links inside stay links, hardlinks stay linked', async () => {
  const { context, rootfs } = fixture({ 'src/one': '1', 'src/sub/two': '2' });
  symlinkSync('one', join(context, 'src/link'));
  linkSync(join(context, 'src/one'), join(context, 'src/sub/hard'));
  chmodSync(join(context, 'src/sub'), 0o700);
  await copy(rootfs, spec(context, ['src'], '/app'));
  assert.deepEqual(tree(rootfs, '/app'), [
    '/app dir 755 0:0',
    '/app/link link 0:0 -> one',
    '/app/one file 644 0:0 1 (linked)',
    '/app/sub dir 700 0:0',
    '/app/sub/hard file 644 0:0 1 (linked)',
    '/app/sub/two file 644 0:0 2',
  ]);
  assert.equal(lstatSync(join(rootfs, 'app/one')).ino, lstatSync(join(rootfs, 'app/sub/hard')).ino);
});

test('many files copied at once keep their own modes; a later source on the same path wins', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`one/f${i}`] = `one ${i}`;
  for (let i = 0; i < 40; i += 2) files[`two/f${i}`] = `two ${i}`;
  const { context, rootfs } = fixture(files);
  for (let i = 0; i < 40; i++) chmodSync(join(context, `one/f${i}`), i % 3 ? 0o600 : 0o755);
  for (let i = 0; i < 40; i += 2) chmodSync(join(context, `two/f${i}`), 0o640);
  await copy(rootfs, spec(context, ['one', 'two'], '/app/'));
  const expected = ['/app dir 755 0:0'];
  for (const i of Array.from({ length: 40 }, (_, n) => n).sort((a, b) =>
    `f${a}`.localeCompare(`f${b}`),
  )) {
    const mode = i % 2 === 0 ? '640' : i % 3 ? '600' : '755';
    expected.push(`/app/f${i} file ${mode} 0:0 ${i % 2 === 0 ? 'two' : 'one'} ${i}`);
  }
  assert.deepEqual(tree(rootfs, '/app'), expected);
});

test('owners and modes hold in a setgid folder of the image and for setuid sources', async () => {
  const { context, rootfs } = fixture({ tool: 'T', 'sub/inner': 'I' });
  mkdirSync(join(rootfs, 'srv'));
  chownSync(join(rootfs, 'srv'), 0, 50);
  chmodSync(join(rootfs, 'srv'), 0o2775);
  chmodSync(join(context, 'tool'), 0o4755);
  chmodSync(join(context, 'sub'), 0o2755);
  await copy(rootfs, spec(context, ['tool', 'sub'], '/srv/'));
  assert.deepEqual(tree(rootfs, '/srv'), [
    '/srv dir 2775 0:50',
    '/srv/inner file 644 0:0 I',
    '/srv/tool file 4755 0:0 T',
  ]);
  await copy(rootfs, spec(context, ['sub'], '/srv/made/'));
  chownSync(join(context, 'sub/inner'), 7, 7);
  await copy(rootfs, spec(context, ['sub'], '/srv/made/again/', { fromContext: false }));
  assert.deepEqual(tree(rootfs, '/srv/made'), [
    '/srv/made dir 755 0:0',
    '/srv/made/again dir 755 0:0',
    '/srv/made/again/inner file 644 7:7 I',
    '/srv/made/inner file 644 0:0 I',
  ]);
});

test('a symlink named as the source is followed', async () => {
  const { context, rootfs } = fixture({ 'real.txt': 'R' });
  symlinkSync('real.txt', join(context, 'alias'));
  await copy(rootfs, spec(context, ['alias'], '/out/'));
  assert.deepEqual(tree(rootfs, '/out'), ['/out dir 755 0:0', '/out/alias file 644 0:0 R']);
});

test('wildcards copy each match; a wildcard matching nothing is not an error', async () => {
  const { context, rootfs } = fixture({ 'a.txt': 'A', 'b.txt': 'B', 'c.md': 'C' });
  await copy(rootfs, spec(context, ['*.txt', 'none*'], '/w/'));
  assert.deepEqual(tree(rootfs, '/w'), [
    '/w dir 755 0:0',
    '/w/a.txt file 644 0:0 A',
    '/w/b.txt file 644 0:0 B',
  ]);
});

test('--chown resolves names in the image; a user alone takes its uid as gid', async () => {
  const { context, rootfs } = fixture({ 'f/a': 'A' });
  const owner = await resolveChown(rootfs, 'app');
  assert.deepEqual(owner, { uid: 1000, gid: 1000 });
  assert.deepEqual(await resolveChown(rootfs, 'app:staff'), { uid: 1000, gid: 50 });
  assert.deepEqual(await resolveChown(rootfs, '4242:4343'), { uid: 4242, gid: 4343 });
  await assert.rejects(resolveChown(rootfs, 'ghost'), /unable to find user ghost/);
  await copy(rootfs, spec(context, ['f'], '/deep/er/', { owner, chmod: parseModeChange('600') }));
  assert.deepEqual(tree(rootfs, '/deep'), [
    '/deep dir 755 1000:1000',
    '/deep/er dir 600 1000:1000',
    '/deep/er/a file 600 1000:1000 A',
  ]);
});

test('an existing destination directory keeps its own mode and owner', async () => {
  const { context, rootfs } = fixture({ 'd/x': 'X' });
  mkdirSync(join(rootfs, 'opt'));
  chmodSync(join(rootfs, 'opt'), 0o711);
  chownSync(join(rootfs, 'opt'), 7, 8);
  await copy(rootfs, spec(context, ['d'], '/opt'));
  assert.deepEqual(tree(rootfs, '/opt'), ['/opt dir 711 7:8', '/opt/x file 644 0:0 X']);
});

test('--from keeps owners and modes; --exclude and --parents shape what lands', async () => {
  const { context, rootfs } = fixture({ 'a/b/keep.txt': 'K', 'a/b/skip.log': 'S', 'a/c.txt': 'C' });
  chownSync(join(context, 'a/b/keep.txt'), 33, 44);
  const from = { fromContext: false, excludes: ['*.log'], parents: true };
  await copy(rootfs, spec(context, ['a/b'], '/p/', from));
  assert.deepEqual(tree(rootfs, '/p'), [
    '/p dir 755 0:0',
    '/p/a dir 755 0:0',
    '/p/a/b dir 755 0:0',
    '/p/a/b/keep.txt file 644 33:44 K',
  ]);
  await copy(rootfs, spec(context, ['./a/./b/keep.txt'], '/q/', { parents: true }));
  assert.deepEqual(tree(rootfs, '/q'), [
    '/q dir 755 0:0',
    '/q/b dir 755 0:0',
    '/q/b/keep.txt file 644 0:0 K',
  ]);
});

test('a missing source names the path and points at .dockerignore', async () => {
  const { context, rootfs } = fixture({ 'ignored.txt': 'I' });
  const visible = (path: string) => path !== 'ignored.txt';
  await assert.rejects(
    planCopy(spec(context, ['missing.txt'], '/'), rootfs).then(() => {}),
    {
      message: 'missing.txt: not found in the build context',
    },
  );
  await assert.rejects(planCopy(spec(context, ['ignored.txt'], '/', { visible }), rootfs), {
    hint: 'check that ignored.txt exists in the context and is not excluded by .dockerignore',
  });
});

test('ADD unpacks a compressed tar with its owners; a plain file is copied', async () => {
  const { context, rootfs } = fixture({ 'pack/inner/f.txt': 'F', 'notes.gz': 'not gzip' });
  execFileSync('tar', [
    '-czf',
    join(context, 'pack.tgz'),
    '--owner=5',
    '--group=6',
    '-C',
    join(context, 'pack'),
    'inner',
  ]);
  await copy(rootfs, spec(context, ['pack.tgz', 'notes.gz'], '/u/', { unpackArchives: true }));
  const lines = tree(rootfs, '/u').map((l) => l.replace(/ dir \d+ 5:6$/, ' dir 5:6'));
  assert.deepEqual(lines, [
    '/u dir 755 0:0',
    '/u/inner dir 5:6',
    '/u/inner/f.txt file 644 5:6 F',
    '/u/notes.gz file 644 0:0 not gzip',
  ]);
});

test('the content digest changes with content, mode and names, not with mtime', async () => {
  const { context, rootfs } = fixture({ 'd/a': 'A', 'd/b': 'B' });
  const copySpec = spec(context, ['d'], '/d');
  const digest = async () => digestCopy(await planCopy(copySpec, rootfs), copySpec);
  const first = await digest();
  execFileSync('touch', ['-d', '2001-01-01', join(context, 'd/a')]);
  assert.equal(await digest(), first);
  writeFileSync(join(context, 'd/a'), 'A2');
  const second = await digest();
  assert.notEqual(second, first);
  chmodSync(join(context, 'd/b'), 0o755);
  assert.notEqual(await digest(), second);
});

test('a symbolic --chmod changes each entry from its own source mode', async () => {
  const { context, rootfs } = fixture({ 'd/run.sh': 'R', 'd/data': 'D', 'd/sub/': '' });
  chmodSync(join(context, 'd/run.sh'), 0o700);
  chmodSync(join(context, 'd/data'), 0o666);
  chmodSync(join(context, 'd/sub'), 0o700);
  await copy(rootfs, spec(context, ['d'], '/made/', { chmod: parseModeChange('go-w,u=rwX') }));
  assert.deepEqual(tree(rootfs, '/made'), [
    '/made dir 755 0:0',
    '/made/data file 644 0:0 D',
    '/made/run.sh file 700 0:0 R',
    '/made/sub dir 700 0:0',
  ]);
  await copy(rootfs, spec(context, ['d/data'], '/x/data', { chmod: parseModeChange('a=rX') }));
  assert.deepEqual(tree(rootfs, '/x'), ['/x dir 755 0:0', '/x/data file 444 0:0 D']);
});

test('a named pipe in a copied context is an error naming its path with single slashes', async () => {
  const { context, rootfs } = fixture({ 'a.txt': 'A' });
  execFileSync('mkfifo', [join(context, 'pipe')]);
  for (const source of ['.', '/', './']) {
    await assert.rejects(copy(rootfs, spec(context, [source], '/app/')), {
      code: 'COPY_SOURCE_KIND',
      message: `${context}/pipe: cannot copy a named pipe`,
    });
  }
});
