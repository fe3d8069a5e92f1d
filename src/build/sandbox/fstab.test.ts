import assert from 'node:assert/strict';
import { test } from 'node:test';
import { earlyFstab, lateFstab } from './fstab.js';
import type { PreparedRun } from './prepare.js';

const run = {
  rootfs: '/r oot',
  network: 'host',
  hostsPath: '/run/h',
  resolvConfPath: '/run/r',
  hostTargets: { hosts: '/r oot/etc/hosts', resolvConf: '/r oot/etc/resolv.conf' },
  mounts: [
    [{ type: 'bind', source: '/src\tdir', target: '/c' }, '/r oot/c'],
    [{ type: 'tmpfs', target: '/t', size: 4096 }, '/r oot/t'],
  ],
} as unknown as PreparedRun;

test('fstab fields escape spaces, tabs and backslashes', () => {
  assert.equal(
    earlyFstab(run),
    'proc /r\\040oot/proc proc nosuid,noexec,nodev 0 0\n' +
      'tmpfs /r\\040oot/dev tmpfs nosuid,strictatime,mode=755,size=65536k 0 0\n',
  );
});

test('the late fstab has the binds, the caller’s mounts, then masked paths', () => {
  const lines = lateFstab(run, false).split('\n');
  assert.deepEqual(lines.slice(0, 8), [
    'devpts /r\\040oot/dev/pts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5 0 0',
    'shm /r\\040oot/dev/shm tmpfs nosuid,noexec,nodev,mode=1777,size=65536k 0 0',
    'mqueue /r\\040oot/dev/mqueue mqueue nosuid,noexec,nodev 0 0',
    'sysfs /r\\040oot/sys sysfs nosuid,noexec,nodev,ro 0 0',
    '/run/r /r\\040oot/etc/resolv.conf none bind,ro 0 0',
    '/run/h /r\\040oot/etc/hosts none bind,ro 0 0',
    '/src\\011dir /r\\040oot/c none rbind,rw 0 0',
    'tmpfs /r\\040oot/t tmpfs nosuid,nodev,mode=1777,size=4096 0 0',
  ]);
  assert.ok(lines.includes('/r\\040oot/proc/sys /r\\040oot/proc/sys none bind,ro 0 0'));
  const masked = lines.slice(8).filter((line) => line !== '');
  assert.ok(masked.every((line) => /^\S+ \/r\\040oot\/(proc|sys)\/\S+ (tmpfs|none) /.test(line)));
});

test('rootless binds the host’s device nodes and, on the host network, /sys', () => {
  const lines = lateFstab(run, true).split('\n');
  assert.equal(lines[0], '/dev/null /r\\040oot/dev/null none bind 0 0');
  assert.ok(lines.includes('/sys /r\\040oot/sys none rbind,ro 0 0'));
  assert.ok(lines.some((l) => l.startsWith('devpts ') && !l.includes('gid=5')));
});
