import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadHostGroups } from './agent-host-groups.js';

test('host groups may share settings through YAML anchors and aliases', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-host-groups-'));
  const file = join(dir, 'host-groups.yml');
  await writeFile(
    file,
    [
      'groups:',
      '  blue:',
      '    credential: ops',
      '    hosts:',
      '      - &db {id: db-1, address: 127.0.0.1, port: 2222, user: ops}',
      '  green:',
      '    credential: ops',
      '    hosts: [*db]',
      '',
    ].join('\n'),
  );
  try {
    const groups = await loadHostGroups(file);
    assert.deepEqual(groups.get('green')?.hosts, [
      {
        id: 'db-1',
        address: '127.0.0.1',
        port: 2222,
        user: 'ops',
        credential: 'ops',
        hostKey: undefined,
        trustOnFirstUse: false,
        workdir: undefined,
        env: {},
      },
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
