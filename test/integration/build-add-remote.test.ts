import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type BuildFixture,
  build,
  makeContext,
  run,
  startBuildFixture,
  storeDir,
  unpackWithUmoci,
} from '../harness/build.js';
import { type GitServer, startGitServer } from '../harness/git-daemon.js';

// ADD of a git repository served by git daemon on 127.0.0.1 (the default
// branch, #tag, #commit, #ref:subdir, --keep-git-dir) and ADD of a URL whose
// --checksum does not match what a local HTTP server sends, one behind basic auth
// (user and password in the URL, never shown) and one nobody answers.

let fixture: BuildFixture;
let git: GitServer;
before(async () => {
  fixture = await startBuildFixture();
  git = await startGitServer(join(fixture.dir, 'git'));
});
after(async () => {
  await git.stop();
  await fixture.stop();
});

test('ADD a git repository: default branch, #tag, #commit, #ref:subdir, --keep-git-dir', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
ADD ${git.url} /main
ADD ${git.url}#v1 /tag
ADD ${git.url}#${git.first} /commit
ADD ${git.url}#main:docs /docs
ADD --keep-git-dir=true ${git.url}#v1 /kept
`,
  });
  await build(fixture, context, { tags: ['add-git'] });
  const rootfs = await unpackWithUmoci(fixture, 'add-git');
  const ls = async (dir: string) =>
    (await run('sh', ['-c', `cd ${join(rootfs, dir)} && find . | sort`])).stdout;
  assert.equal(await ls('main'), '.\n./app.sh\n./docs\n./docs/readme.txt\n');
  assert.equal(await readFile(join(rootfs, 'main/app.sh'), 'utf8'), 'echo two\n');
  const mode = await run('stat', ['-c', '%a %u:%g', join(rootfs, 'main/app.sh')]);
  assert.equal(mode.stdout, '755 0:0\n');
  assert.equal(await ls('tag'), '.\n./app.sh\n');
  assert.equal(await readFile(join(rootfs, 'tag/app.sh'), 'utf8'), 'echo one\n');
  assert.equal(await ls('commit'), '.\n./app.sh\n');
  assert.equal(await readFile(join(rootfs, 'commit/app.sh'), 'utf8'), 'echo one\n');
  assert.equal(await ls('docs'), '.\n./readme.txt\n');
  const head = await run('git', ['--git-dir', join(rootfs, 'kept/.git'), 'rev-parse', 'HEAD']);
  assert.equal(head.stdout.trim(), git.first);
  assert.equal(await readFile(join(rootfs, 'kept/app.sh'), 'utf8'), 'echo one\n');

  const missing = await makeContext(fixture, { Dockerfile: `FROM BASE\nADD ${git.url}#nope /x\n` });
  await assert.rejects(build(fixture, missing), (error: Error & { describe(): string }) => {
    assert.equal(
      error.describe(),
      `Dockerfile:2:1: ADD ${git.url}: git fetch failed: fatal: couldn't find remote ref nope\n` +
        `  hint: check that nope is a branch, tag or commit of ${git.url}`,
    );
    return true;
  });
});

test('ADD --checksum that does not match the download fails naming both sums', async () => {
  const served = Buffer.from('downloaded content\n');
  const server = createServer((_request, response) => response.end(served));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tool.bin`;
  const wrong = `sha256:${'0'.repeat(64)}`;
  const actual = `sha256:${createHash('sha256').update(served).digest('hex')}`;
  try {
    const context = await makeContext(fixture, {
      Dockerfile: `FROM BASE\nRUN true\nADD --checksum=${wrong} ${url} /x\n`,
    });
    await assert.rejects(build(fixture, context), (error: Error & { describe(): string }) => {
      assert.equal(
        error.describe(),
        `Dockerfile:3:1: ADD ${url}: checksum mismatch: ` + `expected ${wrong}, got ${actual}`,
      );
      return true;
    });
  } finally {
    server.close();
  }
});

test('a git URL with credentials that fails never shows them', async () => {
  const server = createServer((_request, response) => response.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const context = await makeContext(fixture, {
      Dockerfile: `FROM BASE\nADD http://user:s3cret@127.0.0.1:${port}/repo.git /x\n`,
    });
    const events: unknown[] = [];
    const failure = await build(fixture, context, { emit: (e) => events.push(e) }).then(
      () => undefined,
      (error: Error & { describe(): string }) => error.describe(),
    );
    assert.match(
      String(failure),
      new RegExp(`^Dockerfile:2:1: ADD http://127.0.0.1:${port}/repo.git: git fetch failed: `),
    );
    assert.equal(
      `${failure}${JSON.stringify(events)}`.includes('s3cret'),
      false,
      `${failure}${JSON.stringify(events)}`,
    );
  } finally {
    server.close();
  }
});

test('ADD a URL with credentials sends them as basic auth and never shows them', async () => {
  const seen: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers.authorization);
    response.end('behind a password\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const context = await makeContext(fixture, {
      Dockerfile: `FROM BASE\nADD http://bob:s3cret%21@127.0.0.1:${port}/tool.txt /tool.txt\n`,
    });
    const events: unknown[] = [];
    const result = await build(fixture, context, {
      tags: ['add-auth'],
      emit: (e) => events.push(e),
    });
    assert.deepEqual(seen, [`Basic ${Buffer.from('bob:s3cret!').toString('base64')}`]);
    const rootfs = await unpackWithUmoci(fixture, 'add-auth');
    assert.equal(await readFile(join(rootfs, 'tool.txt'), 'utf8'), 'behind a password\n');
    const config = await readFile(
      join(storeDir(fixture), 'blobs', 'sha256', result.configDigest.slice(7)),
      'utf8',
    );
    assert.equal(`${config}${JSON.stringify(events)}`.includes('s3cret'), false);
  } finally {
    server.close();
  }
});

test('ADD a URL nobody answers names the reason, not only "fetch failed"', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE\nADD http://u:s3cret@127.0.0.1:${port}/x /x\n`,
  });
  await assert.rejects(build(fixture, context), (error: Error & { describe(): string }) => {
    assert.equal(
      error.describe(),
      `Dockerfile:2:1: ADD http://127.0.0.1:${port}/x: fetch failed: ` +
        `connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    return true;
  });
});
