import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SlipwayError } from '../../errors/index.js';
import { resolveUser } from './user.js';

const root = mkdtempSync(join(tmpdir(), 'slipway-user-'));
mkdirSync(join(root, 'etc'));
writeFileSync(
  join(root, 'etc', 'passwd'),
  [
    'root:x:0:0:root:/root:/bin/sh',
    '# a comment',
    'app:x:1000:1001:App:/home/app:/bin/sh',
    'svc:x:998:998::/var/lib/svc:/usr/sbin/nologin',
  ].join('\n'),
);
writeFileSync(
  join(root, 'etc', 'group'),
  ['root:x:0:', 'staff:x:50:app,svc', 'app:x:1001:', 'docker:x:999:app', 'svc:x:998:'].join('\n'),
);
after(() => rmSync(root, { recursive: true, force: true }));

test('an empty USER is root', async () => {
  assert.deepEqual(await resolveUser(root, ''), {
    uid: 0,
    gid: 0,
    additionalGids: [],
    home: '/root',
  });
});

test('a name takes its uid, primary gid, home and the groups listing it', async () => {
  assert.deepEqual(await resolveUser(root, 'app'), {
    uid: 1000,
    gid: 1001,
    additionalGids: [50, 999],
    home: '/home/app',
  });
});

test('a uid with an entry resolves like its name', async () => {
  assert.deepEqual(await resolveUser(root, '998'), {
    uid: 998,
    gid: 998,
    additionalGids: [50],
    home: '/var/lib/svc',
  });
});

test('numeric ids without entries are allowed', async () => {
  assert.deepEqual(await resolveUser(root, '4242'), {
    uid: 4242,
    gid: 0,
    additionalGids: [],
    home: '/',
  });
  assert.deepEqual(await resolveUser(root, '4242:77'), {
    uid: 4242,
    gid: 77,
    additionalGids: [],
    home: '/',
  });
});

test('an explicit group replaces the primary group and drops the others', async () => {
  assert.deepEqual(await resolveUser(root, 'app:docker'), {
    uid: 1000,
    gid: 999,
    additionalGids: [],
    home: '/home/app',
  });
  assert.equal((await resolveUser(root, 'app:50')).gid, 50);
});

test('names without entries are errors that say so', async () => {
  await assert.rejects(resolveUser(root, 'ghost'), (error: SlipwayError) => {
    assert.equal(error.code, 'USER_NOT_FOUND');
    assert.equal(error.message, 'unable to find user ghost: no matching entries in passwd file');
    return true;
  });
  await assert.rejects(resolveUser(root, 'app:ghosts'), {
    message: 'unable to find group ghosts: no matching entries in group file',
  });
});

test('an image without passwd resolves numeric ids and rejects names', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'slipway-user-empty-'));
  try {
    assert.deepEqual(await resolveUser(empty, '1:2'), {
      uid: 1,
      gid: 2,
      additionalGids: [],
      home: '/',
    });
    await assert.rejects(resolveUser(empty, 'root'), { code: 'USER_NOT_FOUND' });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('an absolute symlink for /etc/passwd stays inside the rootfs', async () => {
  const linked = mkdtempSync(join(tmpdir(), 'slipway-user-link-'));
  try {
    mkdirSync(join(linked, 'etc'));
    mkdirSync(join(linked, 'data'));
    writeFileSync(join(linked, 'data', 'passwd'), 'inside:x:7:7::/in:/bin/sh\n');
    symlinkSync('/data/passwd', join(linked, 'etc', 'passwd'));
    assert.equal((await resolveUser(linked, 'inside')).uid, 7);
    symlinkSync('/etc/shadow', join(linked, 'etc', 'group'));
    assert.deepEqual((await resolveUser(linked, 'inside')).additionalGids, []);
  } finally {
    rmSync(linked, { recursive: true, force: true });
  }
});
