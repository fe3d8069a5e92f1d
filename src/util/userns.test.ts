import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SlipwayError } from '../errors/index.js';
import {
  CLONE_OFF,
  explainOwnerError,
  hostId,
  idMapped,
  parseIdMap,
  subordinateRange,
  userNamespaceBlocks,
} from './userns.js';

test('an id map is read line by line, and ids are looked up in it', () => {
  const map = parseIdMap('         0       1001          1\n         1     100000      65535\n');
  assert.deepEqual(map, [
    { inside: 0, outside: 1001, count: 1 },
    { inside: 1, outside: 100000, count: 65535 },
  ]);
  assert.equal(idMapped(map, 65535), true);
  assert.equal(idMapped(map, 65536), false);
  assert.equal(hostId(map, 0), 1001);
  assert.equal(hostId(map, 1000), 100999);
  assert.equal(hostId(map, 70000), undefined);
});

test('the subordinate range of a user is found by name or by uid', () => {
  const text = 'alice:100000:65536\n1002:300000:1000\nbob:200000:0\nbob:400000:65536\n';
  assert.deepEqual(subordinateRange(text, { name: 'alice', id: 1001 }), {
    start: 100000,
    count: 65536,
  });
  assert.deepEqual(subordinateRange(text, { name: 'carol', id: 1002 }), {
    start: 300000,
    count: 1000,
  });
  // An empty range grants nothing; the next line for the user counts.
  assert.deepEqual(subordinateRange(text, { name: 'bob', id: 1003 }), {
    start: 400000,
    count: 65536,
  });
  assert.equal(subordinateRange(text, { name: 'dave', id: 1004 }), undefined);
});

test('an owner change refused with EINVAL is explained; other errors pass through', () => {
  const einval = Object.assign(new Error('EINVAL: invalid argument, lchown'), {
    code: 'EINVAL',
    syscall: 'lchown',
  });
  const explained = explainOwnerError(einval, 1000, 2000, '/app') as SlipwayError;
  assert.equal(explained.code, 'UNMAPPED_ID');
  assert.equal(
    explained.message,
    'cannot set owner 1000:2000 on /app: the id is not mapped in the user namespace slipway builds in',
  );
  assert.equal(
    explained.hint,
    'give your user subordinate ids in /etc/subuid and /etc/subgid ' +
      '(as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER)',
  );
  const eperm = Object.assign(new Error('EPERM'), { code: 'EPERM', syscall: 'lchown' });
  assert.equal(explainOwnerError(eperm, 1, 1), eperm);
  const other = Object.assign(new Error('EINVAL'), { code: 'EINVAL', syscall: 'rename' });
  assert.equal(explainOwnerError(other, 1, 1), other);
});

test('user namespaces are blocked by either sysctl, allowed when unknown', () => {
  assert.deepEqual(userNamespaceBlocks('15000\n', '1\n'), []);
  assert.deepEqual(userNamespaceBlocks(undefined, undefined), []);
  assert.deepEqual(userNamespaceBlocks('0\n', '0\n'), [
    'user.max_user_namespaces is 0',
    'kernel.unprivileged_userns_clone is 0',
  ]);
  assert.deepEqual(userNamespaceBlocks('15000', '0'), [CLONE_OFF]);
});
