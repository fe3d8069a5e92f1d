// Rootless builds: the compiled CLI run by throwaway regular users. One has a
// subordinate id range and builds, chowns to other ids, copies with --chown
// and pushes; the other has none, builds with a warning, and is told clearly
// when a file needs an id its user namespace cannot map.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { programOnPath } from '../../src/util/process.js';
import { SUBORDINATE_IDS_HINT } from '../../src/util/userns.js';
import { type BuildFixture, build, startBuildFixture } from '../harness/build.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));
const asRoot = { skip: process.getuid?.() !== 0 ? 'making users needs root' : false };
// A range of its own for this test process, clear of useradd's usual 100000 and up.
const SUBORDINATE = 1_000_000 + (process.pid % 1000) * 65536;

interface BuildUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

let fixture: BuildFixture;
let dir: string;
const users: BuildUser[] = [];

/** A system user (useradd gives it no subordinate ids), with `range` added when asked. */
async function createUser(suffix: string, range?: number): Promise<BuildUser> {
  const name = `slw-${suffix}-${process.pid}`;
  const home = join(dir, name);
  await run('useradd', ['--system', '-m', '-d', home, '-s', '/bin/sh', name]);
  const id = async (flag: string) => Number((await run('id', [flag, name])).stdout.trim());
  const user = { name, home, uid: await id('-u'), gid: await id('-g') };
  users.push(user);
  if (range !== undefined) {
    const ids = `${range}-${range + 65535}`;
    await run('usermod', ['--add-subuids', ids, '--add-subgids', ids, name]);
  }
  return user;
}

/** A context folder the user can read, from `path: content`. */
async function context(name: string, files: Record<string, string>): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { mode: 0o755 });
  for (const [file, content] of Object.entries(files)) {
    await run('sh', ['-c', 'printf %s "$1" > "$2"', 'sh', content, join(path, file)]);
    await chmod(join(path, file), 0o644);
  }
  return path;
}

/** `slipway build ARGS` run as `user` with a clean environment. */
function buildAs(user: BuildUser, args: string[], path = process.env.PATH ?? '') {
  return slipwayAs(user, ['build', ...args], dir, path);
}

/** `slipway ARGS` run as `user` in `cwd` with a clean environment. */
function slipwayAs(user: BuildUser, args: string[], cwd: string, path = process.env.PATH ?? '') {
  const env = ['env', '-i', `PATH=${path}`, `HOME=${user.home}`];
  const argv = ['-u', user.name, '--', ...env, process.execPath, bin, ...args];
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('runuser', argv, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Every owner found under `root`, as `uid:gid` strings, sorted and unique. */
async function ownersUnder(root: string): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (path: string) => {
    const stats = await lstat(path);
    found.add(`${stats.uid}:${stats.gid}`);
    if (stats.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(root);
  return [...found].sort();
}

before(async () => {
  if (process.getuid?.() !== 0) return;
  fixture = await startBuildFixture();
  dir = await mkdtemp(join(tmpdir(), 'slipway-rootless-'));
  await chmod(dir, 0o755);
});

after(async () => {
  for (const user of users) {
    await run('userdel', ['-f', '-r', user.name]).catch(() => {});
    // What the builds kept in the temp folder by host uid: runc's state, the /dev template.
    for (const kept of ['runc', 'dev']) {
      await rm(`/tmp/slipway-${kept}-${user.uid}`, { recursive: true, force: true });
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  await fixture?.stop();
});

/** As `user`, build a Dockerfile that sets other owners, push it, and check what was pushed. */
async function buildChownPush(user: BuildUser, backend: string, path?: string) {
  const ctx = await context(`ctx-${backend}`, {
    Dockerfile:
      `FROM ${fixture.base}\n` +
      'RUN mkdir /data && echo made > /data/by-run && chown 1000:1000 /data /data/by-run ' +
      '&& id -u > /data/uid && rm /bin/zcat\n' +
      'COPY --chown=2000:3000 hello.txt /app/hello.txt\n' +
      // The sandbox in the user namespace: its own network, /sys read-only, /proc, /dev.
      'RUN --network=none { ls /sys/class/net; touch /sys/x 2>&1; head -c 1 /dev/zero | wc -c; ' +
      'echo pid $$; test -r /proc/self/status && echo proc; } > /checks 2>&1 || true\n' +
      'USER 1000:1000\n' +
      'RUN id > /tmp/as-user\n',
    'hello.txt': 'hello\n',
  });
  const ref = `${fixture.registry.host}/rootless/${backend}:1`;
  const args = ['--progress', 'plain', '--insecure-registry', fixture.registry.host];
  const local = join(user.home, `files-${backend}`);
  const outputs = ['--push', '-o', `type=local,dest=${local}`];
  const result = await buildAs(user, [...args, '--no-cache', '-t', ref, ...outputs, ctx], path);
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stderr.split('\n');
  assert.equal(
    lines[0],
    `rootless build in a user namespace: uid 0 is host uid ${user.uid}, ` +
      `with 65535 subordinate ids; sandbox: ${backend}`,
  );
  assert.ok(lines.includes('snapshots: overlayfs'), result.stderr);

  // Read the pushed image back and list its layers with tar.
  const pulled = await pushedLayers(ref, join(dir, `pulled-${backend}`));
  const { listings, manifest, blob, manifestDigest } = pulled;
  assert.deepEqual(listings, [
    ['0/0 bin/', '0/0 bin/.wh.zcat', '1000/1000 data/', '1000/1000 data/by-run', '0/0 data/uid'],
    // The folder COPY makes is --chown's too, as BuildKit makes it.
    ['2000/3000 app/', '2000/3000 app/hello.txt'],
    ['0/0 checks'],
    ['0/0 tmp/', '1000/1000 tmp/as-user'],
  ]);
  const contents = async (layer: number, path: string) =>
    (await run('tar', ['-xzOf', blob(manifest.layers[layer].digest), path])).stdout;
  assert.equal(await contents(1, 'data/by-run'), 'made\n');
  assert.equal(await contents(1, 'data/uid'), '0\n');
  assert.equal(await contents(2, 'app/hello.txt'), 'hello\n');
  const checks = 'lo\ntouch: /sys/x: Read-only file system\n1\npid 1\nproc\n';
  assert.equal(await contents(3, 'checks'), checks);
  assert.equal(await contents(4, 'tmp/as-user'), 'uid=1000 gid=1000\n');

  // A local output is the user's to keep or remove, whatever owners the image has.
  assert.equal(await readFile(join(local, 'data', 'by-run'), 'utf8'), 'made\n');
  assert.deepEqual(await ownersUnder(join(local, 'data')), [`${user.uid}:${user.gid}`]);

  // The store is the user's own: under its home, every file the user's or its subordinates'.
  const store = join(user.home, '.local', 'share', 'slipway', 'store');
  assert.ok(existsSync(join(store, 'blobs', 'sha256', manifestDigest.slice(7))));
  const owners = await ownersUnder(join(user.home, '.local'));
  const subordinate = (id: number) => id >= SUBORDINATE && id < SUBORDINATE + 65536;
  const inRange = (owner: string) => {
    const [uid, gid] = owner.split(':').map(Number) as [number, number];
    return (uid === user.uid || subordinate(uid)) && (gid === user.gid || subordinate(gid));
  };
  assert.deepEqual(
    owners.filter((owner) => !inRange(owner)),
    [],
  );
  const rootStore = '/root/.local/share/slipway/store/blobs/sha256';
  assert.equal(existsSync(join(rootStore, manifestDigest.slice(7))), false);
}

let ranged: BuildUser;

test('with subordinate ids and runc, a build sets other owners and pushes', asRoot, async () => {
  assert.ok(programOnPath('runc'), 'runc is installed (scripts/setup-debian.sh)');
  ranged = await createUser('rl', SUBORDINATE);
  await buildChownPush(ranged, 'runc');
});

test('the namespaces back end does the same where runc is not on PATH', asRoot, async () => {
  // One folder of links to every program on PATH but runc.
  const tools = join(dir, 'tools-without-runc');
  await mkdir(tools, { mode: 0o755 });
  for (const folder of (process.env.PATH ?? '').split(':').reverse()) {
    const names = await readdir(folder).catch(() => []);
    for (const name of names.filter((n) => n !== 'runc')) {
      await rm(join(tools, name), { force: true });
      await symlink(join(folder, name), join(tools, name));
    }
  }
  await buildChownPush(ranged, 'namespaces', tools);
});

test('slipway run by a regular user builds and pushes in a user namespace', asRoot, async () => {
  const repo = await context('pipeline-repo', {
    Dockerfile:
      `FROM ${fixture.base}\n` +
      'RUN mkdir /data && chown 1000:1000 /data\nCOPY --chown=2000:3000 a.txt /app/a.txt\n',
    'a.txt': 'from the pipeline\n',
  });
  const ref = `${fixture.registry.host}/rootless/pipeline`;
  await mkdir(join(repo, '.workflow'));
  await run('sh', [
    '-c',
    'printf %s "$1" > "$2"',
    'sh',
    "version: '1.0'\nname: image\nstages:\n  - name: image\n    steps:\n" +
      `      - step: build@docker\n        name: push\n        repository: ${ref}\n` +
      '        tag: v1\n',
    join(repo, '.workflow', 'image.yml'),
  ]);
  await run('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  await run('chown', ['-R', `${ranged.uid}:${ranged.gid}`, repo]);

  const result = await slipwayAs(ranged, ['run', '--progress', 'plain'], repo);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /rootless build in a user namespace: uid 0 is host uid \d+/);
  const { listings } = await pushedLayers(`${ref}:v1`, join(dir, 'pulled-pipeline'));
  assert.deepEqual(listings, [['1000/1000 data/'], ['2000/3000 app/', '2000/3000 app/a.txt']]);
});

test('a user without subordinate ids is warned, then told which owner failed', asRoot, async () => {
  const user = await createUser('rl1', undefined);
  const plain = await context('ctx-single', {
    Dockerfile: `FROM ${fixture.base}\nRUN echo ok > /ok && id -u > /uid\n`,
  });
  const args = ['--progress', 'plain', '--insecure-registry', fixture.registry.host];
  const ok = await buildAs(user, [...args, plain]);
  assert.equal(ok.status, 0, ok.stderr);
  const [warning, rootless] = ok.stderr.split('\n');
  assert.equal(
    warning,
    `warning: /etc/subuid and /etc/subgid give ${user.name} no subordinate ids: only root is ` +
      'mapped in the build, and files owned by other ids cannot be made; as root, add a range: ' +
      `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user.name}`,
  );
  assert.equal(
    rootless,
    'rootless build in a user namespace: ' +
      `only uid 0 is mapped (host uid ${user.uid}); sandbox: runc`,
  );
  // The user's own cache serves the same build again.
  const again = await buildAs(user, [...args, plain]);
  assert.equal(again.status, 0, again.stderr);
  assert.ok(again.stderr.includes('#3 [2/2] RUN echo ok > /ok && id -u > /uid\n#3 CACHED\n'));

  const chowned = await context('ctx-chown', {
    Dockerfile: `FROM ${fixture.base}\nCOPY --chown=1000:1000 a.txt /a.txt\n`,
    'a.txt': 'a\n',
  });
  const failed = await buildAs(user, [...args, chowned]);
  assert.equal(failed.status, 1);
  const why = 'cannot set owner 1000:1000 on /a.txt: the id is not mapped in the user namespace';
  assert.deepEqual(failed.stderr.trimEnd().split('\n').slice(-2), [
    `error: ${join(chowned, 'Dockerfile')}:2:1: ${why} slipway builds in`,
    `  hint: ${SUBORDINATE_IDS_HINT}`,
  ]);

  // A base image with a file of another owner cannot even be unpacked.
  const owned = `${fixture.registry.host}/rootless/owned:1`;
  const base = await context('ctx-owned-base', {
    Dockerfile: `FROM ${fixture.base}\nRUN echo x > /x && chown 1000:1000 /x\n`,
  });
  await build(fixture, base, { tags: [owned], push: true });
  const child = await context('ctx-owned', { Dockerfile: `FROM ${owned}\nRUN true\n` });
  const refused = await buildAs(user, [...args, child]);
  assert.equal(refused.status, 1);
  const pushed = JSON.parse(
    (await run('skopeo', ['inspect', '--tls-verify=false', `docker://${owned}`])).stdout,
  );
  const unmapped =
    `unpacking ${pushed.Layers[1]}: applying layer: entry "x": ` +
    'cannot set owner 1000:1000: the id is not mapped in the user namespace slipway builds in';
  assert.deepEqual(refused.stderr.trimEnd().split('\n').slice(-2), [
    `error: ${join(child, 'Dockerfile')}:2:1: ${unmapped}`,
    `  hint: ${SUBORDINATE_IDS_HINT}`,
  ]);

  // runc keeps its state in the shared temp folder only in a folder of the user's alone.
  await chown(`/tmp/slipway-runc-${user.uid}`, 0, 0);
  const taken = await buildAs(user, [...args, '--no-cache', plain]);
  assert.equal(taken.status, 1);
  assert.deepEqual(taken.stderr.trimEnd().split('\n').slice(-2), [
    `error: ${join(plain, 'Dockerfile')}:2:1: sandbox: runc's state folder ` +
      `/tmp/slipway-runc-${user.uid} belongs to another user or is open to others`,
    '  hint: remove it (as root if need be); slipway makes it again',
  ]);
});

/** `drwxr-xr-x 0/0 0 2024-01-01 00:00 bin/` as `0/0 bin/`. */
/**
 * The pushed image, read back by skopeo into `layout`: its layers above the base as
 * `uid/gid name` lines, its manifest and where its blobs are.
 */
async function pushedLayers(ref: string, layout: string) {
  await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:1`]);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.slice(7));
  const manifest = JSON.parse(await readFile(blob(index.manifests[0].digest), 'utf8'));
  const listings: string[][] = [];
  for (const layer of manifest.layers.slice(1)) {
    const { stdout } = await run('tar', ['-tvzf', blob(layer.digest), '--numeric-owner']);
    listings.push(stdout.trim().split('\n').map(ownerAndName));
  }
  const manifestDigest = index.manifests[0].digest as string;
  return { listings, manifest, blob, manifestDigest };
}

function ownerAndName(line: string): string {
  const fields = line.split(/\s+/);
  return `${fields[1]} ${fields.slice(5).join(' ')}`;
}
