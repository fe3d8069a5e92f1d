import assert from 'node:assert/strict';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BuildFixture, build, makeContext, run, startBuildFixture } from '../harness/build.js';
import { cliRunner } from '../harness/cli.js';
import { type GitServer, startGitServer } from '../harness/git-daemon.js';

// Contexts that are fetched: --build-context NAME=<git URL> and NAME=<tarball
// URL>, and the main context as a git URL (#ref:subdir) or a tarball URL,
// against git daemon and an HTTP server on 127.0.0.1. The cache follows what
// was fetched; a bad ref and a 404 name the flag.

let fixture: BuildFixture;
let git: GitServer;
let server: Server;
let http: string;
/** What the HTTP server serves, by path. */
const served = new Map<string, Buffer>();

before(async () => {
  fixture = await startBuildFixture();
  git = await startGitServer(join(fixture.dir, 'git'), {
    Dockerfile: `FROM ${fixture.base}\nCOPY app.sh /app.sh\n`,
    'docs/Dockerfile': `FROM ${fixture.base}\nCOPY readme.txt /readme.txt\n`,
    'docs/Dockerfile.cli': `FROM ${fixture.base}\nCOPY readme.txt /\nCOPY --from=notes / /\n`,
  });
  server = createServer((request, response) => {
    const body = served.get(request.url ?? '');
    response.statusCode = body ? 200 : 404;
    response.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  http = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await git.stop();
  await fixture.stop();
});

/** A gzipped tar of `files`, as a tarball context is served. */
async function tarball(name: string, files: Record<string, string>): Promise<Buffer> {
  const dir = join(fixture.dir, `tarball-${name}`);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const file = `${dir}.tar.gz`;
  await run('tar', ['-czf', file, '-C', dir, '.']);
  return readFile(file);
}

/** A build's files, exported to a directory named `name`. */
const local = (name: string) => [{ type: 'local' as const, dest: join(fixture.dir, name) }];
const fileOf = (name: string, path: string) => readFile(join(fixture.dir, name, path), 'utf8');

test('--build-context NAME=git URL: COPY --from it; the cache follows the commit', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY --from=docs . /docs/\nCOPY --from=src app.sh /app.sh\n',
  });
  const at = (ref: string) => ({
    src: { kind: 'git' as const, source: `${git.url}#${ref}` },
    docs: { kind: 'git' as const, source: `${git.url}#main:docs` },
  });
  const first = await build(fixture, context, {
    outputs: local('main'),
    buildContexts: at('main'),
  });
  assert.equal(await fileOf('main', 'app.sh'), 'echo two\n');
  assert.equal(await fileOf('main', 'docs/readme.txt'), 'read me\n');
  assert.equal(
    await fileOf('main', 'docs/Dockerfile'),
    `FROM ${fixture.base}\nCOPY readme.txt /readme.txt\n`,
  );

  const older = await build(fixture, context, { outputs: local('v1'), buildContexts: at('v1') });
  assert.deepEqual(older.cached, ['[2/3] COPY --from=docs . /docs/']);
  assert.deepEqual(
    older.ran.filter((name) => name.includes('COPY')),
    ['[3/3] COPY --from=src app.sh /app.sh'],
  );
  assert.notEqual(older.digest, first.digest);
  assert.equal(await fileOf('v1', 'app.sh'), 'echo one\n');

  const again = await build(fixture, context, { buildContexts: at(git.second) });
  assert.equal(again.digest, first.digest);
  assert.deepEqual(again.cached, [
    '[2/3] COPY --from=docs . /docs/',
    '[3/3] COPY --from=src app.sh /app.sh',
  ]);
});

test('a bad ref of a git --build-context names the flag and the ref', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM BASE\nCOPY --from=src . /\n' });
  const buildContexts = { src: { kind: 'git' as const, source: `${git.url}#nope` } };
  await assert.rejects(build(fixture, context, { buildContexts }), (error: Error) => {
    assert.equal(
      (error as Error & { describe(): string }).describe(),
      `--build-context src=${git.url}#nope: git fetch failed: ` +
        `fatal: couldn't find remote ref nope\n` +
        `  hint: check that nope is a branch, tag or commit of ${git.url}`,
    );
    return true;
  });
});

test('--build-context NAME=tarball URL: unpacked; new content reruns the COPY', async () => {
  served.set('/assets.tar.gz', await tarball('a1', { 'conf/app.conf': 'port=1\n' }));
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY --from=assets conf/app.conf /etc/app.conf\n',
  });
  const buildContexts = { assets: { kind: 'url' as const, url: `${http}/assets.tar.gz` } };
  await build(fixture, context, { outputs: local('tar-1'), buildContexts });
  assert.equal(await fileOf('tar-1', 'etc/app.conf'), 'port=1\n');
  const same = await build(fixture, context, { buildContexts });
  assert.deepEqual(same.cached, ['[2/2] COPY --from=assets conf/app.conf /etc/app.conf']);

  served.set('/assets.tar.gz', await tarball('a2', { 'conf/app.conf': 'port=2\n' }));
  const changed = await build(fixture, context, { outputs: local('tar-2'), buildContexts });
  assert.deepEqual(changed.cached, []);
  assert.equal(await fileOf('tar-2', 'etc/app.conf'), 'port=2\n');

  const missing = { assets: { kind: 'url' as const, url: `${http}/gone.tar.gz` } };
  await assert.rejects(build(fixture, context, { buildContexts: missing }), {
    message: `--build-context assets=${http}/gone.tar.gz: 404 Not Found`,
  });
});

test('FROM a --build-context tarball URL: its files are the stage, as FROM a folder', async () => {
  served.set('/rootfs.tar.gz', await tarball('r1', { 'etc/app.conf': 'port=3\n' }));
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM rootfs\nCOPY --from=rootfs etc/app.conf /copy.conf\n',
  });
  const buildContexts = { rootfs: { kind: 'url' as const, url: `${http}/rootfs.tar.gz` } };
  await build(fixture, context, { outputs: local('from-url'), buildContexts });
  assert.equal(await fileOf('from-url', 'etc/app.conf'), 'port=3\n');
  assert.equal(await fileOf('from-url', 'copy.conf'), 'port=3\n');
  const same = await build(fixture, context, { buildContexts });
  assert.deepEqual(same.cached, [
    '[1/2] FROM rootfs',
    '[2/2] COPY --from=rootfs etc/app.conf /copy.conf',
  ]);
});

test('the main context as a git URL (#ref:subdir) or a tarball URL', async () => {
  const unused = join(fixture.dir, 'not-read');
  await build(fixture, unused, {
    outputs: local('ctx-git'),
    remoteContext: { kind: 'git', source: `${git.url}#main` },
  });
  assert.equal(await fileOf('ctx-git', 'app.sh'), 'echo two\n');
  await build(fixture, unused, {
    outputs: local('ctx-sub'),
    remoteContext: { kind: 'git', source: `${git.url}#main:docs` },
  });
  assert.equal(await fileOf('ctx-sub', 'readme.txt'), 'read me\n');

  served.set(
    '/ctx.tar.gz',
    await tarball('ctx', {
      'build/Dockerfile': `FROM ${fixture.base}\nCOPY hello.txt /hello.txt\n`,
      'hello.txt': 'from a tarball\n',
    }),
  );
  await build(fixture, unused, {
    outputs: local('ctx-tar'),
    dockerfile: 'build/Dockerfile',
    remoteContext: { kind: 'url', url: `${http}/ctx.tar.gz` },
  });
  assert.equal(await fileOf('ctx-tar', 'hello.txt'), 'from a tarball\n');

  // A URL that is no archive is the Dockerfile, of an empty context; as a named
  // context it is a directory holding that one file.
  served.set('/Dockerfile', Buffer.from(`FROM ${fixture.base}\nCOPY --from=one tool.sh /bin/\n`));
  served.set('/tool.sh', Buffer.from('echo tool\n'));
  await build(fixture, unused, {
    outputs: local('ctx-file'),
    remoteContext: { kind: 'url', url: `${http}/Dockerfile` },
    buildContexts: { one: { kind: 'url', url: `${http}/tool.sh` } },
  });
  assert.equal(await fileOf('ctx-file', 'bin/tool.sh'), 'echo tool\n');

  await assert.rejects(
    build(fixture, unused, { remoteContext: { kind: 'git', source: `${git.url}#main:nope` } }),
    { message: `build context ${git.url}#main:nope: commit ${git.second} has no directory nope` },
  );
});

test('links in a fetched repository cannot reach the host: not as #REF:DIR, nor as Dockerfile', async () => {
  const host = join(fixture.dir, 'host-only');
  await mkdir(host, { recursive: true });
  await writeFile(join(host, 'secret.txt'), 'host secret\n');
  const evil = await startGitServer(
    join(fixture.dir, 'git-links'),
    { 'docs/Dockerfile': `FROM ${fixture.base}\nCOPY readme.txt /\n` },
    { out: host, 'via/Dockerfile': join(host, 'secret.txt'), 'ok/docs': '../docs' },
  );
  try {
    const context = await makeContext(fixture, {
      Dockerfile: 'FROM BASE\nCOPY --from=src secret.txt /secret.txt\n',
    });
    const source = `${evil.url}#main:out`;
    const realHost = await realpath(host);
    await assert.rejects(
      build(fixture, context, { buildContexts: { src: { kind: 'git', source } } }),
      {
        message: `--build-context src=${source}: out is a link out of the repository (to ${realHost})`,
      },
    );
    const unused = join(fixture.dir, 'not-read');
    await assert.rejects(
      build(fixture, unused, { remoteContext: { kind: 'git', source: `${evil.url}#main:via` } }),
      {
        message:
          `Dockerfile Dockerfile is a link out of the fetched context ` +
          `(to ${join(realHost, 'secret.txt')})`,
      },
    );
    // A link that stays inside the repository is followed.
    await build(fixture, unused, {
      outputs: local('ctx-inner-link'),
      remoteContext: { kind: 'git', source: `${evil.url}#main:ok/docs` },
    });
    assert.equal(await fileOf('ctx-inner-link', 'readme.txt'), 'read me\n');
  } finally {
    await evil.stop();
  }
});

test('slipway build GIT_URL#ref:dir and --build-context NAME=URL on the command line', async () => {
  served.set('/notes.tar.gz', await tarball('notes', { 'notes.txt': 'noted\n' }));
  const dest = join(fixture.dir, 'cli-out');
  const env = { ...process.env, SLIPWAY_HOME: fixture.home };
  const result = await cliRunner().run(env, [
    'build',
    '--progress',
    'plain',
    '--insecure-registry',
    fixture.registry.host,
    '--build-context',
    `notes=${http}/notes.tar.gz`,
    '-f',
    'Dockerfile.cli',
    '--output',
    `type=local,dest=${dest}`,
    `${git.url}#main:docs`,
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`#1 \\[internal\\] load git source ${git.url}#main:docs`));
  assert.equal(await readFile(join(dest, 'readme.txt'), 'utf8'), 'read me\n');
  assert.equal(await readFile(join(dest, 'notes.txt'), 'utf8'), 'noted\n');
});
