import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMetadata, expandPortSpec, goDuration, setEnv } from './metadata.js';

test('ENTRYPOINT resets a CMD inherited from the base, not one set in the stage', () => {
  const base = { Cmd: ['sh'] };
  const fresh = applyMetadata(base, { kind: 'ENTRYPOINT', args: ['/app'] }, { cmdSet: false });
  assert.equal(fresh.config.Cmd, null);
  assert.equal(fresh.createdBy, 'ENTRYPOINT ["/app"]');
  const flags = { cmdSet: false };
  const withCmd = applyMetadata(base, { kind: 'CMD', args: ['--x'] }, flags).config;
  assert.deepEqual(
    applyMetadata(withCmd, { kind: 'ENTRYPOINT', args: ['/app'] }, flags).config.Cmd,
    ['--x'],
  );
});

test('ENV replaces in place; LABEL and EXPOSE add to what the base has', () => {
  assert.deepEqual(setEnv(['A=1', 'B=2'], 'A', '3'), ['A=3', 'B=2']);
  const flags = { cmdSet: false };
  const labelled = applyMetadata(
    { Labels: { base: 'yes' } },
    { kind: 'LABEL', pairs: [['x', 'a b']] },
    flags,
  );
  assert.deepEqual(labelled.config.Labels, { base: 'yes', x: 'a b' });
  assert.equal(labelled.createdBy, 'LABEL x=a b');
  const exposed = applyMetadata(
    { ExposedPorts: { '22/tcp': {} } },
    { kind: 'EXPOSE', ports: ['8080', '53/UDP', '8080/tcp'] },
    flags,
  );
  assert.deepEqual(Object.keys(exposed.config.ExposedPorts ?? {}).sort(), [
    '22/tcp',
    '53/udp',
    '8080/tcp',
  ]);
  assert.equal(exposed.createdBy, 'EXPOSE map[53/udp:{} 8080/tcp:{}]');
});

test('history texts of SHELL, VOLUME, HEALTHCHECK and CMD are Go-formatted as BuildKit writes them', () => {
  const flags = { cmdSet: false };
  const text = (change: Parameters<typeof applyMetadata>[1]) =>
    applyMetadata({}, change, flags).createdBy;
  assert.equal(text({ kind: 'SHELL', shell: ['/bin/bash', '-c'] }), 'SHELL [/bin/bash -c]');
  assert.equal(text({ kind: 'VOLUME', paths: ['/a', '/b'] }), 'VOLUME [/a /b]');
  assert.equal(text({ kind: 'CMD', args: ['echo', 'a "q"'] }), 'CMD ["echo" "a \\"q\\""]');
  assert.equal(
    text({ kind: 'HEALTHCHECK', health: { Test: ['CMD', 'true'], Interval: 90e9, Retries: 3 } }),
    `HEALTHCHECK &{["CMD" "true"] "1m30s" "0s" "0s" "0s" '\\x03'}`,
  );
});

test('Go durations and port ranges', () => {
  assert.deepEqual(
    [goDuration(0), goDuration(5e8), goDuration(3600e9), goDuration(61e9)],
    ['0s', '500ms', '1h0m0s', '1m1s'],
  );
  assert.deepEqual(expandPortSpec('7000-7002/udp'), ['7000/udp', '7001/udp', '7002/udp']);
  assert.deepEqual(expandPortSpec('53/UDP'), ['53/udp']);
  for (const bad of ['x', '80/xyz', '/tcp', '90-80', '70000']) {
    assert.throws(() => expandPortSpec(bad), {
      code: 'BAD_PORT',
      message: `invalid port "${bad}": expected PORT[-PORT][/tcp|udp|sctp]`,
    });
  }
});
