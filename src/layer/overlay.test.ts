import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { changesFromOverlayUpper } from './overlay.js';
import { writeXattr } from './xattr.js';

const asRoot = { skip: process.getuid?.() !== 0 ? 'whiteout devices need root' : false };
let upper: string;
before(async () => {
  upper = await mkdtemp(join(tmpdir(), 'slipway-upper-'));
});
after(async () => {
  await rm(upper, { recursive: true, force: true });
});

test('an upper dir: 0/0 devices are deletions, opaque xattrs opaque dirs', asRoot, async () => {
  await mkdir(join(upper, 'etc'));
  execFileSync('mknod', [join(upper, 'etc', 'motd'), 'c', '0', '0']);
  execFileSync('mknod', [join(upper, 'etc', 'null'), 'c', '1', '3']);
  await writeFile(join(upper, 'etc', 'hosts'), 'x');
  await mkdir(join(upper, 'var', 'cache'), { recursive: true });
  await writeXattr(join(upper, 'var', 'cache'), 'trusted.overlay.opaque', Buffer.from('y'));
  await writeFile(join(upper, 'var', 'cache', 'a'), 'a');
  await mkdir(join(upper, 'home'));
  await writeXattr(join(upper, 'home'), 'user.overlay.opaque', Buffer.from('y'));
  await mkdir(join(upper, 'tmp'));
  await writeXattr(join(upper, 'tmp'), 'trusted.overlay.opaque', Buffer.from('n'));

  const changes = (await changesFromOverlayUpper(upper)).map((change) =>
    change.kind === 'add' ? `add ${change.path}` : `${change.kind} ${change.path}`,
  );
  assert.deepEqual(changes, [
    'add etc',
    'delete etc/motd', // written as etc/.wh.motd, which sorts first
    'add etc/hosts',
    'add etc/null',
    'add home',
    'opaque home',
    'add tmp',
    'add var',
    'add var/cache',
    'opaque var/cache',
    'add var/cache/a',
  ]);
});
