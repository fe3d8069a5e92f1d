import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRepositoryConfigs, openRepository } from './artifact-repository-config.js';
import { directoryRepository } from './artifact-repository-dir.js';

async function withTemp(work: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-repo-'));
  try {
    await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

test('each put stores a new numbered version with its sha256', () =>
  withTemp(async (dir) => {
    const repo = directoryRepository('default', join(dir, 'repo'));
    await writeFile(join(dir, 'a'), 'first');
    await writeFile(join(dir, 'b'), 'second!');
    const one = await repo.put('output', join(dir, 'a'), { kind: 'next' }, { build: '7' });
    const two = await repo.put('output', join(dir, 'b'), { kind: 'next' });
    assert.deepEqual([one.version, one.sha256, one.size], ['1', sha('first'), 5]);
    assert.deepEqual([two.version, two.sha256, two.size], ['2', sha('second!'), 7]);
    assert.deepEqual(one.labels, { build: '7' });
    assert.deepEqual(await repo.names(), ['output']);
    const versions = await repo.versions('output');
    assert.deepEqual(
      versions.map((v) => v.version),
      ['1', '2'],
    );
    assert.deepEqual(await readdir(join(dir, 'repo', 'output')), ['1', '2', 'index.json']);

    const dest = join(dir, 'got.tar.gz');
    assert.equal((await repo.fetch('output', 'latest', dest)).version, '2');
    assert.equal(await readFile(dest, 'utf8'), 'second!');
    await repo.fetch('output', '1', dest);
    assert.equal(await readFile(dest, 'utf8'), 'first');
  }));

test('fetch verifies the stored file against its recorded sha256', () =>
  withTemp(async (dir) => {
    const repo = directoryRepository('default', join(dir, 'repo'));
    await writeFile(join(dir, 'a'), 'first');
    await repo.put('app', join(dir, 'a'), { kind: 'next' });
    await writeFile(join(dir, 'repo', 'app', '1', 'app.tar.gz'), 'tampered');
    await assert.rejects(repo.fetch('app', '1', join(dir, 'out')), {
      code: 'DIGEST_MISMATCH',
      message: `${join(dir, 'repo', 'app', '1', 'app.tar.gz')}: sha256 ${sha('tampered')} does not match the recorded ${sha('first')}`,
    });
    await assert.rejects(repo.fetch('app', '9', join(dir, 'out')), {
      message: 'app 9 is not in default',
      hint: 'versions stored: 1',
    });
  }));

test('parallel puts each get their own version', () =>
  withTemp(async (dir) => {
    const repo = directoryRepository('default', join(dir, 'repo'));
    await writeFile(join(dir, 'a'), 'x');
    const stored = await Promise.all(
      Array.from({ length: 6 }, () => repo.put('app', join(dir, 'a'), { kind: 'next' })),
    );
    assert.deepEqual(stored.map((s) => s.version).sort(), ['1', '2', '3', '4', '5', '6']);
    assert.equal((await repo.versions('app')).length, 6);
  }));

test('the config file adds repositories; unknown names and bad kinds are errors', () =>
  withTemp(async (dir) => {
    const file = join(dir, 'artifact-repositories.yml');
    await writeFile(
      file,
      'repositories:\n  team:\n    path: /srv/team\n  shared:\n    kind: oci\n    reference: r/x\n',
    );
    const configs = await loadRepositoryConfigs(file, dir);
    assert.deepEqual(
      [...configs.values()],
      [
        { name: 'default', kind: 'directory', path: join(dir, 'artifacts', 'default') },
        { name: 'release', kind: 'directory', path: join(dir, 'artifacts', 'release') },
        { name: 'team', kind: 'directory', path: '/srv/team' },
        { name: 'shared', kind: 'oci', reference: 'r/x' },
      ],
    );
    assert.throws(() => openRepository(configs, 'nope'), {
      message: 'artifact repository "nope" is not configured',
    });
    await writeFile(file, 'repositories:\n  a: {}\n  bad:\n    kind: ftp\n');
    await assert.rejects(loadRepositoryConfigs(file, dir), {
      message: 'repository bad: kind must be directory or oci, not "ftp"',
      location: { file, line: 3 },
    });
  }));
