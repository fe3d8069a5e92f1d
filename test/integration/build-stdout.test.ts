import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BuildFixture, makeContext, run, startBuildFixture } from '../harness/build.js';
import { slipwayBin } from '../harness/example.js';
import { runOnTerminal } from '../harness/pty.js';

// `slipway build -o -` and `--output type=…,dest=-` as buildx takes them: the
// tarball goes to stdout (here a file, as `> image.tar` makes it), progress to
// stderr; a terminal on stdout is refused before the build starts.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

const FILES = { Dockerfile: 'FROM scratch\nCOPY hello.txt /\n', 'hello.txt': 'hello\n' };

/** Run the CLI with stdout into the file `name`; resolves to its status and stderr. */
async function buildToFile(name: string, args: string[]) {
  const file = join(fixture.dir, name);
  const handle = await open(file, 'w');
  try {
    const child = spawn(process.execPath, [slipwayBin, 'build', '--progress=plain', ...args], {
      env: { ...process.env, SLIPWAY_HOME: fixture.home },
      stdio: ['ignore', handle.fd, 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const status = await new Promise<number>((resolve) =>
      child.on('close', (s) => resolve(s ?? -1)),
    );
    return { status, stderr, file };
  } finally {
    await handle.close();
  }
}

const listing = async (file: string) => (await run('tar', ['-tf', file])).stdout.split('\n');

test('-o - writes a tar of the files to stdout, progress to stderr', async () => {
  const context = await makeContext(fixture, FILES);
  const result = await buildToFile('files.tar', ['-o', '-', context]);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(await listing(result.file), ['./hello.txt', '']);
  assert.match(result.stderr, /#\d+ exporting files to stdout\n/);
  const same = await buildToFile('files-2.tar', ['--output', 'type=tar,dest=-', context]);
  assert.equal(same.status, 0, same.stderr);
  assert.ok((await readFile(same.file)).equals(await readFile(result.file)));
});

test('type=oci,dest=- and type=docker,dest=- write their tarballs to stdout', async () => {
  const context = await makeContext(fixture, FILES);
  const oci = await buildToFile('image.oci', ['-t', 'piped:1', '-o', 'type=oci,dest=-', context]);
  assert.equal(oci.status, 0, oci.stderr);
  const digest = /\nmanifest (sha256:[0-9a-f]{64})\n/.exec(oci.stderr)?.[1];
  const { stdout } = await run('skopeo', ['inspect', `oci-archive:${oci.file}:1`]);
  assert.equal(JSON.parse(stdout).Digest, digest);

  const docker = await buildToFile('image.docker', ['-o', 'type=docker,dest=-', context]);
  assert.equal(docker.status, 0, docker.stderr);
  assert.ok((await listing(docker.file)).includes('./manifest.json'));
});

test('type=oci,dest=PATH is a tarball whatever its name; tar=false a layout folder', async () => {
  const context = await makeContext(fixture, FILES);
  const file = join(fixture.dir, 'app-image');
  const folder = join(fixture.dir, 'app-layout');
  const result = await buildToFile('nothing.out', [
    '-o',
    `type=oci,dest=${file}`,
    '-o',
    `type=oci,dest=${folder},tar=false`,
    '-o',
    `type=docker,dest=${folder}-docker,tar=false`,
    context,
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal((await stat(file)).isFile(), true);
  assert.ok((await listing(file)).includes('./index.json'));
  assert.equal((await stat(join(folder, 'index.json'))).isFile(), true);
  const archive = JSON.parse(await readFile(join(`${folder}-docker`, 'manifest.json'), 'utf8'));
  assert.equal(archive[0].Layers.length, 1);
  assert.equal((await stat(join(fixture.dir, 'nothing.out'))).size, 0);
});

test('a terminal on stdout is refused before the build, with what to do', async () => {
  const context = await makeContext(fixture, FILES);
  const env = { ...process.env, SLIPWAY_HOME: fixture.home };
  const result = await runOnTerminal(['build', '-o', '-', context], fixture.dir, env, []);
  assert.equal(result.status, 2);
  assert.equal(
    result.screen,
    'error: --output type=tar,dest=-: refusing to write a tarball to the terminal\n' +
      '  hint: redirect stdout (> image.tar, | docker load), or give dest=FILE\n',
  );
});

test('a reader that leaves early fails the build with what happened, and nothing stays behind', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM scratch\nCOPY big.txt /\n',
    'big.txt': 'x'.repeat(4 << 20),
  });
  const child = spawn(
    process.execPath,
    [slipwayBin, 'build', '--progress=plain', '-o', '-', context],
    {
      env: { ...process.env, SLIPWAY_HOME: fixture.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  // `| head -c 512`: the first bytes, then the pipe closes.
  child.stdout?.once('data', () => child.stdout?.destroy());
  const status = await new Promise<number>((resolve) => child.on('close', (s) => resolve(s ?? -1)));
  assert.equal(status, 1, stderr);
  assert.match(stderr, /stdout closed before the tarball ended/);
  const cache = await readdir(join(fixture.home, 'cache'));
  assert.deepEqual(
    cache.filter((name) => name.startsWith('tmp-')),
    [],
  );
});
