import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BuildFixture, build, makeContext, run, startBuildFixture } from '../harness/build.js';

// Outputs besides the local store: an OCI layout (read by skopeo and umoci),
// a docker-archive tar, a plain directory and a tar of the filesystem; and
// named build contexts (a directory, an OCI layout as FROM).

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

const DOCKERFILE =
  'FROM BASE\nRUN mkdir /out && echo result > /out/file.txt\nCMD ["cat", "/out/file.txt"]\n';

test('oci, docker, local and tar outputs hold the image', async () => {
  const context = await makeContext(fixture, { Dockerfile: DOCKERFILE });
  const dir = (name: string) => join(fixture.dir, name);
  const result = await build(fixture, context, {
    tags: ['outputs:1'],
    outputs: [
      { type: 'oci', dest: dir('layout'), tar: false },
      { type: 'oci', dest: dir('image.oci') },
      { type: 'docker', dest: dir('image.tar') },
      { type: 'local', dest: dir('files') },
      { type: 'tar', dest: dir('files.tar') },
    ],
  });
  const { stdout } = await run('skopeo', ['inspect', `oci:${dir('layout')}:1`]);
  assert.equal(JSON.parse(stdout).Digest, result.digest);
  await run('umoci', ['stat', '--image', `${dir('layout')}:1`]);
  // type=oci is a tarball of the same layout unless tar=false, as buildx writes it.
  const tarball = await run('skopeo', ['inspect', `oci-archive:${dir('image.oci')}:1`]);
  assert.equal(JSON.parse(tarball.stdout).Digest, result.digest);

  const listing = (await run('tar', ['-tf', dir('image.tar')])).stdout.split('\n');
  assert.ok(listing.includes('./manifest.json'));
  // The store's temp folder is not part of what a user gets, in a layout or an archive.
  assert.deepEqual(
    listing.filter((name) => name.includes('.tmp')),
    [],
  );
  assert.equal(
    (await run('tar', ['-tvf', dir('image.tar'), './'])).stdout.slice(0, 10),
    'drwxr-xr-x',
  );
  await assert.rejects(stat(join(dir('layout'), '.tmp')), { code: 'ENOENT' });
  await run('tar', ['-xf', dir('image.tar'), '-C', fixture.dir, './manifest.json']);
  const archive = JSON.parse(await readFile(join(fixture.dir, 'manifest.json'), 'utf8'));
  assert.deepEqual(archive[0].RepoTags, ['docker.io/library/outputs:1']);
  assert.equal(archive[0].Config, `blobs/sha256/${result.configDigest.slice(7)}`);
  assert.equal(archive[0].Layers.length, 2);

  assert.equal(await readFile(join(dir('files'), 'out/file.txt'), 'utf8'), 'result\n');
  const files = (await run('tar', ['-tf', dir('files.tar')])).stdout.split('\n');
  assert.ok(files.includes('./out/file.txt'));
  assert.ok(files.includes('./bin/busybox'));
});

test('named build contexts: a directory for COPY --from, an OCI layout for FROM', async () => {
  const layoutContext = await makeContext(fixture, { Dockerfile: DOCKERFILE });
  const layout = join(fixture.dir, 'base-layout');
  await build(fixture, layoutContext, {
    tags: ['base:v1'],
    outputs: [{ type: 'oci', dest: layout, tar: false }],
  });
  const extra = await makeContext(fixture, { 'extra.txt': 'from a named context\n' });
  const context = await makeContext(fixture, {
    Dockerfile:
      'FROM mybase\nCOPY --from=assets extra.txt /extra.txt\nRUN cat /out/file.txt /extra.txt > /both\n',
  });
  await build(fixture, context, {
    tags: ['named'],
    outputs: [{ type: 'local', dest: join(fixture.dir, 'named-files') }],
    buildContexts: {
      mybase: { kind: 'oci-layout', dir: layout, selector: 'v1' },
      assets: { kind: 'dir', path: extra },
    },
  });
  const both = await readFile(join(fixture.dir, 'named-files', 'both'), 'utf8');
  assert.equal(both, 'result\nfrom a named context\n');
});

test('a tar of the files is the same for the same image, and has no root entry', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM scratch\nCOPY b.txt a.txt /files/\nCOPY b.txt /\n',
    'a.txt': 'a\n',
    'b.txt': 'b\n',
  });
  const first = join(fixture.dir, 'same-1.tar');
  const second = join(fixture.dir, 'same-2.tar');
  for (const dest of [first, second]) {
    await build(fixture, context, {
      noCache: true,
      sourceDateEpoch: 1700000000,
      outputs: [{ type: 'tar', dest }],
    });
  }
  assert.ok((await readFile(first)).equals(await readFile(second)));
  const listing = (await run('tar', ['-tf', first])).stdout;
  assert.equal(listing, './b.txt\n./files/\n./files/a.txt\n./files/b.txt\n');
});
