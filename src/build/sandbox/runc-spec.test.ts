import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CAPABILITIES, runtimeSpec, type SpecInput } from './runc-spec.js';

const input: SpecInput = {
  rootfs: '/r',
  args: ['sh', '-c', 'true'],
  env: ['PATH=/bin'],
  cwd: '/w',
  user: { uid: 0, gid: 0, additionalGids: [] },
  hostname: 'h',
  network: 'host',
  hostsPath: '/run/x/hosts',
  resolvConfPath: '/run/x/resolv.conf',
  mounts: [],
  openFiles: { soft: 1024, hard: 4096 },
};

// biome-ignore lint/suspicious/noExplicitAny: the spec is plain JSON
const spec = (over: Partial<SpecInput>) => runtimeSpec({ ...input, ...over }) as any;

test('host network: no network namespace; none: one', () => {
  const types = (s: { linux: { namespaces: { type: string }[] } }) =>
    s.linux.namespaces.map((n) => n.type);
  assert.deepEqual(types(spec({})), ['pid', 'ipc', 'uts', 'mount']);
  assert.deepEqual(types(spec({ network: 'none' })), ['pid', 'ipc', 'uts', 'mount', 'network']);
});

test('root gets Docker’s default capabilities; other users only as a bound', () => {
  assert.deepEqual(spec({}).process.capabilities.effective, DEFAULT_CAPABILITIES);
  const user = spec({ user: { uid: 1000, gid: 1000, additionalGids: [27] } }).process;
  assert.deepEqual(user.user, { uid: 1000, gid: 1000, additionalGids: [27] });
  assert.deepEqual(user.capabilities, {
    bounding: DEFAULT_CAPABILITIES,
    effective: [],
    permitted: [],
  });
});

test('hosts and resolv.conf are read-only binds; extra mounts follow the standard ones', () => {
  const mounts = spec({
    mounts: [
      { type: 'bind', source: '/host/cache', target: '/root/.cache' },
      { type: 'bind', source: '/host/secret', target: '/run/secrets/s', readonly: true },
      { type: 'tmpfs', target: '/tmp', size: 1048576 },
    ],
  }).mounts as { destination: string; type: string; source: string; options: string[] }[];
  assert.deepEqual(
    mounts.map((m) => m.destination),
    [
      '/proc',
      '/dev',
      '/dev/pts',
      '/dev/shm',
      '/dev/mqueue',
      '/sys',
      '/sys/fs/cgroup',
      '/etc/resolv.conf',
      '/etc/hosts',
      '/root/.cache',
      '/run/secrets/s',
      '/tmp',
    ],
  );
  assert.deepEqual(mounts[8], {
    destination: '/etc/hosts',
    type: 'bind',
    source: '/run/x/hosts',
    options: ['rbind', 'ro'],
  });
  assert.deepEqual(
    mounts.slice(9).map((m) => m.options),
    [
      ['rbind', 'rw'],
      ['rbind', 'ro'],
      ['nosuid', 'nodev', 'mode=1777', 'size=1048576'],
    ],
  );
  assert.deepEqual(mounts[5]?.options, ['nosuid', 'noexec', 'nodev', 'ro']);
});

test('root of a user namespace binds /sys with the host network; gid 5 only when mapped', () => {
  const mounts = (over: Partial<SpecInput>) =>
    (spec(over).mounts as { destination: string; type: string; options: string[] }[]).filter(
      (m) => m.destination === '/sys' || m.destination === '/dev/pts',
    );
  const devpts = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
  assert.deepEqual(mounts({ userNamespace: { ptsGroup: false } }), [
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: devpts },
    { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'ro'] },
  ]);
  assert.deepEqual(mounts({ userNamespace: { ptsGroup: true }, network: 'none' }), [
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: [...devpts, 'gid=5'] },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', 'ro'],
    },
  ]);
});
