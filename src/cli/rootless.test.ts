import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type HostFacts, planUserNamespace } from './rootless.js';

const host: HostFacts = {
  uid: 1001,
  userName: 'alice',
  subuid: 'alice:100000:65536\n',
  subgid: 'alice:100000:65536\n',
  maxUserNamespaces: '15000\n',
  idMapTools: true,
};

test('a user with subordinate ids enters with them mapped above root', () => {
  assert.deepEqual(planUserNamespace(host), {
    unshareArgs: ['--user', '--map-root-user', '--mount', '--map-auto'],
  });
});

test('without a subordinate gid range only root is mapped, with a warning', () => {
  const entry = planUserNamespace({ ...host, subgid: 'bob:100000:65536\n' });
  assert.deepEqual(entry, {
    unshareArgs: ['--user', '--map-root-user', '--mount'],
    warning:
      '/etc/subgid gives alice no subordinate ids: only root is mapped in the build, and files ' +
      'owned by other ids cannot be made; as root, add a range: ' +
      'usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice',
  });
});

test('user namespaces turned off stop the build with what to set', () => {
  assert.throws(() => planUserNamespace({ ...host, maxUserNamespaces: '0\n' }), {
    code: 'USERNS_DISABLED',
    message:
      'cannot build rootless: this kernel does not let regular users create user namespaces ' +
      '(user.max_user_namespaces is 0)',
    hint: 'as root, enable them (sysctl -w user.max_user_namespaces=15000), or run slipway as root',
  });
  assert.throws(() => planUserNamespace({ ...host, unprivilegedClone: '0\n' }), {
    code: 'USERNS_DISABLED',
    hint:
      'as root, enable them (sysctl -w user.max_user_namespaces=15000 ' +
      'kernel.unprivileged_userns_clone=1), or run slipway as root',
  });
});

test('subordinate ids without newuidmap stop the build with what to install', () => {
  assert.throws(() => planUserNamespace({ ...host, idMapTools: false }), {
    code: 'UIDMAP_MISSING',
    message:
      'cannot map the subordinate ids of alice (/etc/subuid, /etc/subgid): ' +
      'newuidmap and newgidmap are not installed',
    hint: 'install them as root: apt-get install uidmap (dnf install shadow-utils)',
  });
});
