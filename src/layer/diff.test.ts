import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, lchown, mkdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeFixtureTree, setMtime } from './fixture.js';
import { diffTrees } from './index.js';
import { writeXattr } from './xattr.js';

const asRoot = { skip: process.getuid?.() !== 0 ? 'the fixture sets owners: needs root' : false };
let lower: string;
let upper: string;
before(async () => {
  if (asRoot.skip !== false) return;
  lower = await makeFixtureTree();
  upper = `${lower}-upper`;
  execFileSync('cp', ['-a', lower, upper]);
});
after(async () => {
  if (lower) await rm(lower, { recursive: true, force: true });
  if (upper) await rm(upper, { recursive: true, force: true });
});

test('an unchanged copy has no changes', asRoot, async () => {
  assert.deepEqual(await diffTrees(lower, upper), []);
});

test('the tree comparison finds each kind of change, with parents', asRoot, async () => {
  await writeFile(join(upper, 'etc', 'hosts'), '127.0.0.2 localhost\n'); // same size
  setMtime(join(upper, 'etc', 'shadow'), 1_650_000_000); // mtime only: same content
  await chmod(join(upper, 'bin', 'busybox'), 0o700); // shared inode with bin/ls
  await unlink(join(upper, 'dev', 'initctl'));
  await mkdir(join(upper, 'srv', 'www'), { recursive: true });
  await writeFile(join(upper, 'srv', 'www', 'index.html'), '<h1>hi</h1>\n');
  await unlink(join(upper, 'bin', 'sh'));
  await symlink('ping', join(upper, 'bin', 'sh'));
  await lchown(join(upper, 'etc', 'caf\u00e9'), 33, 33);
  await writeXattr(join(upper, 'deep'), 'user.note', Buffer.from('x'));

  const changes = (await diffTrees(lower, upper)).map((change) =>
    change.kind === 'add'
      ? `add ${change.path} <- ${change.source}`
      : `${change.kind} ${change.path}`,
  );
  assert.deepEqual(changes, [
    `add bin <- ${upper}/bin`,
    `add bin/busybox <- ${upper}/bin/busybox`,
    `add bin/ls <- ${upper}/bin/ls`,
    `add bin/sh <- ${upper}/bin/sh`,
    `add deep <- ${upper}/deep`,
    `add dev <- ${upper}/dev`,
    'delete dev/initctl',
    `add etc <- ${upper}/etc`,
    `add etc/caf\u00e9 <- ${upper}/etc/caf\u00e9`,
    `add etc/hosts <- ${upper}/etc/hosts`,
    `add srv <- ${upper}/srv`,
    `add srv/www <- ${upper}/srv/www`,
    `add srv/www/index.html <- ${upper}/srv/www/index.html`,
  ]);
});
