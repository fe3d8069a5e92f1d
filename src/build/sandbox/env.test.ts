import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerEnv, DEFAULT_PATH, hostsFile } from './env.js';

test('PATH, HOSTNAME and HOME are added only where missing', () => {
  assert.deepEqual(containerEnv(['A=1'], 'box', '/root'), [
    'A=1',
    `PATH=${DEFAULT_PATH}`,
    'HOSTNAME=box',
    'HOME=/root',
  ]);
  assert.deepEqual(containerEnv(['PATH=/bin', 'HOME=/h', 'HOSTNAME=x'], 'box', '/root'), [
    'PATH=/bin',
    'HOME=/h',
    'HOSTNAME=x',
  ]);
});

test('a later entry for the same key wins, in the first one’s place', () => {
  assert.deepEqual(containerEnv(['A=1', 'B=2', 'A=3=4'], 'h', '/'), [
    'A=3=4',
    'B=2',
    `PATH=${DEFAULT_PATH}`,
    'HOSTNAME=h',
    'HOME=/',
  ]);
});

test('the hosts file names the sandbox and the extra hosts', () => {
  assert.equal(
    hostsFile('box', [{ host: 'db', ip: '10.0.0.2' }]),
    '127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.2\tdb\n',
  );
});
