import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pushBaseImage } from '../harness/base-image.js';
import { cliRunner } from '../harness/cli.js';
import { startRegistry } from '../harness/registry.js';

// Registry settings as a user meets them on the command line: mirrors that
// serve pulls and never pushes, and a registry on localhost spoken to over
// plain HTTP without being marked insecure.

const cli = cliRunner();

test('a mirror serves the pull and says so; the push goes to the origin only', async () => {
  const origin = await startRegistry('plain');
  const mirror = await startRegistry('plain');
  const home = await mkdtemp(join(tmpdir(), 'slipway-cli-mirror-'));
  try {
    const image = await pushBaseImage(mirror.host, 'library/busybox:1');
    const config = join(home, 'registries.json');
    await writeFile(
      config,
      JSON.stringify({ registries: { [origin.host]: { mirrors: [mirror.host] } } }),
    );
    const env = { PATH: process.env.PATH, HOME: home, SLIPWAY_HOME: join(home, 's') };
    const flags = ['--progress', 'plain', '--registries-config', config];

    const pull = await cli.run(env, ['pull', ...flags, `${origin.host}/library/busybox:1`]);
    assert.equal(pull.status, 0, pull.stderr);
    assert.equal(pull.stdout, `${image.manifestDigest}\n`);
    const said = pull.stderr.split('\n').filter((line) => line.includes('served by'));
    assert.deepEqual(said, [`manifest 1 served by mirror ${mirror.host}/library/busybox`]);

    const before = (await readFile(mirror.logFile, 'utf8')).length;
    const push = await cli.run(env, [
      'push',
      ...flags,
      `${origin.host}/library/busybox:1`,
      `${origin.host}/library/busybox:2`,
    ]);
    assert.equal(push.status, 0, push.stderr);
    const duringPush = (await readFile(mirror.logFile, 'utf8')).slice(before);
    assert.equal(duringPush.includes('/v2/'), false, 'the push sent a request to the mirror');
    assert.match(
      await readFile(origin.logFile, 'utf8'),
      /"PUT \/v2\/library\/busybox\/manifests\/2 /,
    );
  } finally {
    await Promise.all([origin.stop(), mirror.stop(), rm(home, { recursive: true, force: true })]);
  }
});

test('a registry on localhost is reached over plain HTTP without --insecure', async () => {
  const registry = await startRegistry('plain');
  const home = await mkdtemp(join(tmpdir(), 'slipway-cli-local-'));
  try {
    const image = await pushBaseImage(registry.host, 'team/app:1');
    const port = registry.host.split(':')[1];
    const env = { PATH: process.env.PATH, HOME: home, SLIPWAY_HOME: join(home, 's') };
    for (const host of [`localhost:${port}`, registry.host]) {
      const inspect = await cli.run(env, ['inspect', `${host}/team/app:1`]);
      assert.equal(inspect.status, 0, inspect.stderr);
      assert.equal(JSON.parse(inspect.stdout).digest, image.manifestDigest);
    }
  } finally {
    await Promise.all([registry.stop(), rm(home, { recursive: true, force: true })]);
  }
});
