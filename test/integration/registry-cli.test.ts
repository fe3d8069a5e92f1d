import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { digestOf } from '../../src/image/digest.js';
import { type BaseImage, makeBusyboxImage } from '../harness/base-image.js';
import { cliRunner, secretForms } from '../harness/cli.js';
import { type RegistryHandle, startRegistry } from '../harness/registry.js';

const run = promisify(execFile);
const cli = cliRunner();
const slipway = cli.run;

describe('slipway registry commands (basic auth registry)', () => {
  let registry: RegistryHandle;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let image: BaseImage;
  before(async () => {
    registry = await startRegistry('basic');
    home = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
    env = {
      PATH: process.env.PATH,
      HOME: home,
      SLIPWAY_HOME: join(home, 'slipway'),
      DOCKER_CONFIG: join(home, 'docker'),
    };
    image = await makeBusyboxImage();
  });
  after(async () => {
    await registry.stop();
    await rm(home, { recursive: true, force: true });
  });

  test('login refuses a wrong password without printing it', async () => {
    const wrong = 'not-the-Password-42';
    const result = await slipway(
      env,
      ['login', registry.host, '-u', 'tester', '--password-stdin'],
      wrong,
    );
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      new RegExp(`^error: logging in to ${registry.host}: 401 unauthorized`),
    );
    assert.match(
      result.stderr,
      new RegExp(`hint: check the username/password for ${registry.host}`),
    );
    assert.ok(!`${result.stdout}${result.stderr}`.includes(wrong));
    await assert.rejects(access(join(home, 'docker', 'config.json')));
  });

  test('login, push, inspect, copy, pull, umoci unpack, skopeo reads the store, logout', async () => {
    const login = await slipway(
      env,
      ['login', registry.host, '-u', registry.username!, '--password-stdin'],
      `${registry.password}\n`,
    );
    assert.equal(login.status, 0, login.stderr);
    const config = JSON.parse(await readFile(join(home, 'docker', 'config.json'), 'utf8'));
    assert.deepEqual(config.auths[registry.host], {
      auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64'),
    });

    const push = await slipway(env, [
      'push',
      `oci:${image.layout}:latest`,
      `${registry.host}/app:1`,
    ]);
    assert.equal(push.status, 0, push.stderr);
    assert.equal(push.stdout, `${image.manifestDigest}\n`);

    const inspect = await slipway(env, ['inspect', `${registry.host}/app:1`]);
    assert.equal(inspect.status, 0, inspect.stderr);
    const report = JSON.parse(inspect.stdout);
    assert.equal(report.digest, image.manifestDigest);
    assert.deepEqual(report.config.rootfs.diff_ids, [image.diffId]);
    const raw = await slipway(env, ['inspect', '--raw', `${registry.host}/app:1`]);
    assert.equal(digestOf(raw.stdout.replace(/\n$/, '')), image.manifestDigest);
    const configOnly = await slipway(env, ['inspect', '--config', `${registry.host}/app:1`]);
    assert.deepEqual(JSON.parse(configOnly.stdout).config.Cmd, ['sh']);

    const copy = await slipway(env, [
      'copy',
      `${registry.host}/app:1`,
      `docker://${registry.host}/copy:2`,
    ]);
    assert.equal(copy.status, 0, copy.stderr);
    assert.equal(copy.stdout, `${image.manifestDigest}\n`);
    assert.match(copy.stderr, /0 blobs copied, 2 mounted, 0 already there/);

    const pull = await slipway(env, ['pull', `${registry.host}/copy:2`]);
    assert.equal(pull.status, 0, pull.stderr);
    const store = join(home, 'slipway', 'store');
    const { stdout } = await run('skopeo', ['inspect', `oci:${store}:${registry.host}/copy:2`]);
    assert.equal(JSON.parse(stdout).Digest, image.manifestDigest);

    const layout = join(home, 'layout');
    const out = await slipway(env, [
      'pull',
      `${registry.host}/copy:2`,
      '--output',
      `oci:${layout}:v2`,
    ]);
    assert.equal(out.status, 0, out.stderr);
    await run('umoci', ['unpack', '--rootless', '--image', `${layout}:v2`, join(home, 'bundle')]);
    await access(join(home, 'bundle', 'rootfs', 'bin', 'busybox'));

    const logout = await slipway(env, ['logout', registry.host]);
    assert.equal(logout.stdout, `Removed login credentials for ${registry.host}\n`);
    const denied = await slipway(env, ['inspect', `${registry.host}/app:1`]);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /401 unauthorized/);
    assert.match(
      denied.stderr,
      /hint: no credentials for 127\.0\.0\.1:\d+: log in with `slipway login/,
    );
  });

  test('--creds on the command line works and the password never shows', async () => {
    const creds = `${registry.username}:${registry.password}`;
    const result = await slipway(env, [
      'copy',
      '--progress',
      'json',
      '--creds',
      creds,
      `oci:${image.layout}:latest`,
      `${registry.host}/flags:1`,
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(!result.stderr.includes(registry.password!));
    const bad = await slipway(env, [
      'inspect',
      '--creds',
      'tester:WrongOne',
      `${registry.host}/flags:1`,
    ]);
    assert.equal(bad.status, 1);
    assert.ok(!bad.stderr.includes('WrongOne'));
  });

  test('bad input exits 2 with a message that says why', async () => {
    const upper = await slipway(env, ['inspect', `${registry.host}/App:1`]);
    assert.equal(upper.status, 2);
    assert.match(upper.stderr, /^error: invalid reference format/);
    const notLayout = await slipway(env, ['push', `oci:${home}:x`, `${registry.host}/a:1`]);
    assert.equal(notLayout.status, 2);
    assert.equal(
      notLayout.stderr,
      `error: ${home} is not an OCI image layout (no oci-layout file)\n`,
    );
  });

  test('with credsStore, login, push and logout go through docker-credential-<name>', async () => {
    // A one-credential helper: store keeps the JSON it is given, get prints it back.
    const bin = join(home, 'helper-bin');
    await mkdir(bin, { recursive: true });
    const kept = join(home, 'helper-kept.json');
    await writeFile(
      join(bin, 'docker-credential-clifake'),
      `#!/bin/sh
case "$1" in
  store) cat > "${kept}" ;;
  get) [ -f "${kept}" ] && [ "$(jq -r .ServerURL "${kept}")" = "$(cat)" ] && exec cat "${kept}"
       echo "credentials not found in native keychain"; exit 1 ;;
  erase) [ -f "${kept}" ] || { echo "credentials not found in native keychain"; exit 1; }
         rm "${kept}" ;;
esac
`,
      { mode: 0o755 },
    );
    const docker = join(home, 'docker-helper');
    await mkdir(docker, { recursive: true });
    await writeFile(join(docker, 'config.json'), '{"credsStore": "clifake"}');
    const helperEnv = { ...env, DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH}` };

    const login = await slipway(
      helperEnv,
      ['login', registry.host, '-u', registry.username!, '--password-stdin'],
      registry.password!,
    );
    assert.equal(login.status, 0, login.stderr);
    assert.deepEqual(JSON.parse(await readFile(kept, 'utf8')), {
      ServerURL: registry.host,
      Username: registry.username,
      Secret: registry.password,
    });
    assert.equal(await readFile(join(docker, 'config.json'), 'utf8'), '{"credsStore": "clifake"}');
    const push = await slipway(helperEnv, [
      'push',
      `oci:${image.layout}:latest`,
      `${registry.host}/helper:1`,
    ]);
    assert.equal(push.status, 0, push.stderr);
    const logout = await slipway(helperEnv, ['logout', registry.host]);
    assert.equal(logout.status, 0, logout.stderr);
    await assert.rejects(access(kept));
    const denied = await slipway(helperEnv, ['inspect', `${registry.host}/helper:1`]);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /401 unauthorized/);
  });

  test('no command printed the password, in plain or in Basic auth form', () => {
    const printed = cli.printed.join('\n');
    assert.ok(printed.length > 1000, 'the commands above printed something');
    for (const secret of secretForms(registry.username!, registry.password!)) {
      assert.equal(printed.includes(secret), false, 'a secret was printed');
    }
  });
});

test('copy between token-auth registries with --src-creds and --dest-creds', async () => {
  const source = await startRegistry('token');
  const dest = await startRegistry('token', { password: 'another-secret' });
  const home = await mkdtemp(join(tmpdir(), 'slipway-cli-token-'));
  try {
    const env = { PATH: process.env.PATH, HOME: home, SLIPWAY_HOME: join(home, 's') };
    const image = await makeBusyboxImage();
    const srcCreds = `${source.username}:${source.password}`;
    const push = await slipway(env, [
      'push',
      '--creds',
      srcCreds,
      `oci:${image.layout}:latest`,
      `${source.host}/a/b:1`,
    ]);
    assert.equal(push.status, 0, push.stderr);
    const copy = await slipway(env, [
      'copy',
      '--progress',
      'json',
      '--src-creds',
      srcCreds,
      '--dest-creds',
      `${dest.username}:${dest.password}`,
      `${source.host}/a/b:1`,
      `${dest.host}/c:1`,
    ]);
    assert.equal(copy.status, 0, copy.stderr);
    assert.equal(copy.stdout, `${image.manifestDigest}\n`);
    const denied = await slipway(env, [
      'inspect',
      '--creds',
      `${dest.username}:${source.password}`,
      `${dest.host}/c:1`,
    ]);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /401 unauthorized/);
    const printed = [push, copy, denied].map((r) => r.stdout + r.stderr).join('\n');
    assert.match(printed, /"kind":"copy.blob"/);
    for (const secret of [
      ...secretForms(source.username!, source.password!),
      ...secretForms(dest.username!, dest.password!),
      'eyJ', // the start of every JWT the token server signs
    ]) {
      assert.equal(printed.includes(secret), false, `${secret.slice(0, 3)}… was printed`);
    }
  } finally {
    await Promise.all([source.stop(), dest.stop(), rm(home, { recursive: true, force: true })]);
  }
});
