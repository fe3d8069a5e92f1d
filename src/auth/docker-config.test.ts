import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  chainCredentials,
  dockerConfigCredentials,
  dockerConfigPath,
  environmentCredentials,
  removeLogin,
  saveLogin,
  staticCredentials,
} from './index.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-auth-'));
  dirs.push(dir);
  return dir;
}

// A credential helper that keeps its secrets in a JSON file beside it, and
// logs each verb and its stdin, the way docker-credential-pass would behave.
async function fakeHelper(dir: string, name: string): Promise<NodeJS.ProcessEnv> {
  const script = `#!/bin/sh
store="${dir}/${name}.json"
[ -f "$store" ] || echo '{}' > "$store"
input=$(cat)
echo "$1 $input" >> "${dir}/${name}.log"
case "$1" in
  get) jq -e --arg k "$input" '.[$k] // empty | {ServerURL: $k, Username: .u, Secret: .s}' "$store" \\
         || { echo "credentials not found in native keychain"; exit 1; } ;;
  store) k=$(echo "$input" | jq -r .ServerURL)
         jq --arg k "$k" --argjson v "$input" '.[$k] = {u: $v.Username, s: $v.Secret}' "$store" > "$store.new"
         mv "$store.new" "$store" ;;
  erase) jq -e --arg k "$input" 'has($k)' "$store" >/dev/null \\
           || { echo "credentials not found in native keychain"; exit 1; }
         jq --arg k "$input" 'del(.[$k])' "$store" > "$store.new"; mv "$store.new" "$store" ;;
esac
`;
  const path = join(dir, `docker-credential-${name}`);
  await writeFile(path, script);
  await chmod(path, 0o755);
  return { ...process.env, PATH: `${dir}:${process.env.PATH}` };
}

test('config.json auths: base64 auth, username/password, identity token, docker.io key', async () => {
  const dir = await tempDir();
  const path = join(dir, 'config.json');
  await writeFile(
    path,
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:hub-pw').toString('base64') },
        'http://127.0.0.1:5000/': { username: 'u1', password: 'p:1' },
        'registry.example.com': { identitytoken: 'refresh-123' },
      },
    }),
  );
  const source = dockerConfigCredentials({ path });
  assert.deepEqual(await source.lookup('docker.io'), { username: 'hub', password: 'hub-pw' });
  assert.deepEqual(await source.lookup('127.0.0.1:5000'), { username: 'u1', password: 'p:1' });
  assert.deepEqual(await source.lookup('registry.example.com'), { identityToken: 'refresh-123' });
  assert.equal(await source.lookup('127.0.0.1:5001'), undefined);
});

test('login writes base64 auth with mode 0600 and keeps other keys; logout removes it', async () => {
  const dir = await tempDir();
  const path = join(dir, 'docker', 'config.json');
  await saveLogin('127.0.0.1:5000', { username: 'ci', password: 'first' }, { path });
  await writeFile(
    path,
    JSON.stringify({ ...JSON.parse(await readFile(path, 'utf8')), psFormat: 'table' }),
  );
  assert.equal(
    await saveLogin('127.0.0.1:5000', { username: 'ci', password: 's3cret' }, { path }),
    'file',
  );
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), {
    auths: { '127.0.0.1:5000': { auth: Buffer.from('ci:s3cret').toString('base64') } },
    psFormat: 'table',
  });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await dockerConfigCredentials({ path }).lookup('127.0.0.1:5000'), {
    username: 'ci',
    password: 's3cret',
  });
  assert.equal(await removeLogin('127.0.0.1:5000', { path }), true);
  assert.equal(await removeLogin('127.0.0.1:5000', { path }), false);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { auths: {}, psFormat: 'table' });
});

test('credHelpers and credsStore run docker-credential-<name>', async () => {
  const dir = await tempDir();
  const env = await fakeHelper(dir, 'fake');
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify({ credsStore: 'fake', credHelpers: { 'b.test': 'fake' } }));
  const options = { path, env };
  assert.equal(
    await saveLogin('docker.io', { username: 'hub', password: 'tok' }, options),
    'helper',
  );
  await saveLogin('b.test', { username: '<token>', password: 'refresh' }, options);
  const source = dockerConfigCredentials(options);
  assert.deepEqual(await source.lookup('index.docker.io'), { username: 'hub', password: 'tok' });
  assert.deepEqual(await source.lookup('b.test'), { identityToken: 'refresh' });
  assert.equal(await source.lookup('c.test'), undefined);
  assert.equal(await removeLogin('docker.io', options), true);
  assert.equal(await source.lookup('docker.io'), undefined);
  const log = await readFile(join(dir, 'fake.log'), 'utf8');
  assert.match(log, /^get https:\/\/index.docker.io\/v1\/$/m);
  assert.match(log, /^erase https:\/\/index.docker.io\/v1\/$/m);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), {
    credsStore: 'fake',
    credHelpers: { 'b.test': 'fake' },
  });
});

test('a helper that cannot run is a clear error', async () => {
  const dir = await tempDir();
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify({ credsStore: 'absent-helper' }));
  await assert.rejects(
    dockerConfigCredentials({ path }).lookup('docker.io'),
    /docker-credential-absent-helper: cannot run it/,
  );
});

test('environment, flags and chains', async () => {
  const env = {
    SLIPWAY_AUTH_127_0_0_1_5000: 'one:pw:with:colons',
    SLIPWAY_REGISTRY_USER: 'all',
    SLIPWAY_REGISTRY_PASSWORD: 'every',
  };
  const fromEnv = environmentCredentials(env);
  assert.deepEqual(await fromEnv.lookup('127.0.0.1:5000'), {
    username: 'one',
    password: 'pw:with:colons',
  });
  assert.deepEqual(await fromEnv.lookup('quay.io'), { username: 'all', password: 'every' });
  const onlyOne = environmentCredentials({ ...env, SLIPWAY_REGISTRY_HOST: 'ghcr.io' });
  assert.equal(await onlyOne.lookup('quay.io'), undefined);
  const flags = staticCredentials({ 'quay.io': { username: 'flag', password: 'x' } });
  const chain = chainCredentials(flags, fromEnv);
  assert.deepEqual(await chain.lookup('quay.io'), { username: 'flag', password: 'x' });
  assert.deepEqual(await chain.lookup('ghcr.io'), { username: 'all', password: 'every' });
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/etc/d', HOME: '/root' }), '/etc/d/config.json');
  assert.equal(dockerConfigPath({ HOME: '/home/u' }), '/home/u/.docker/config.json');
});
