import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  link,
  lstat,
  readFile,
  readlink,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SlipwayError } from '../../src/errors/index.js';
import {
  type BuildFixture,
  build,
  layerEntries,
  makeContext,
  readImage,
  run,
  startBuildFixture,
  unpackWithUmoci,
} from '../harness/build.js';

// COPY and ADD end to end, each rule of BuildKit's checked in the image.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

/** `mode uid:gid` of a path in an unpacked rootfs. */
async function meta(rootfs: string, path: string): Promise<string> {
  const stat = await lstat(join(rootfs, path));
  return `${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid}`;
}

test('ownership, modes, links and created directories follow BuildKit', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN mkdir -m 0700 /existing && chown 65534:65534 /existing
COPY owned.txt /plain/
COPY --chown=nobody owned.txt /by-name/deep/
COPY --chown=1234:5678 --chmod=0600 owned.txt /numeric.txt
COPY tree/ /existing/
COPY tree /tree/
COPY alias.txt /followed.txt
`,
    'owned.txt': 'owned\n',
    'tree/a.txt': 'a\n',
    'tree/dir/b.txt': 'b\n',
  });
  await chown(join(context, 'owned.txt'), 4321, 4321);
  await symlink('a.txt', join(context, 'tree/link'));
  await link(join(context, 'tree/a.txt'), join(context, 'tree/dir/hard'));
  await symlink('owned.txt', join(context, 'alias.txt'));
  await chmod(join(context, 'tree/dir'), 0o750);

  await build(fixture, context, { tags: ['copy-rules'] });
  const rootfs = await unpackWithUmoci(fixture, 'copy-rules');
  const nobody = (await readFile(join(rootfs, 'etc/passwd'), 'utf8'))
    .split('\n')
    .find((l) => l.startsWith('nobody:'))!
    .split(':')[2];
  assert.equal(await meta(rootfs, 'plain/owned.txt'), '644 0:0');
  assert.equal(await meta(rootfs, 'by-name'), `755 ${nobody}:${nobody}`);
  assert.equal(await meta(rootfs, 'by-name/deep/owned.txt'), `644 ${nobody}:${nobody}`);
  assert.equal(await meta(rootfs, 'numeric.txt'), '600 1234:5678');
  assert.equal(await meta(rootfs, 'existing'), '700 65534:65534');
  assert.equal(await meta(rootfs, 'existing/dir'), '750 0:0');
  assert.equal(await readlink(join(rootfs, 'tree/link')), 'a.txt');
  const a = await lstat(join(rootfs, 'tree/a.txt'));
  assert.equal((await lstat(join(rootfs, 'tree/dir/hard'))).ino, a.ino);
  assert.equal(await readFile(join(rootfs, 'followed.txt'), 'utf8'), 'owned\n');
});

test('several sources to a destination without a slash: each lands on that path', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
COPY none* one.txt /single
COPY one.txt two.txt /last
COPY dir two.txt /into
`,
    'one.txt': 'one\n',
    'two.txt': 'two\n',
    'dir/inner.txt': 'inner\n',
  });
  await build(fixture, context, { tags: ['copy-no-slash'] });
  const rootfs = await unpackWithUmoci(fixture, 'copy-no-slash');
  assert.equal(await readFile(join(rootfs, 'single'), 'utf8'), 'one\n');
  assert.equal(await readFile(join(rootfs, 'last'), 'utf8'), 'two\n');
  assert.equal(await readFile(join(rootfs, 'into/inner.txt'), 'utf8'), 'inner\n');
  assert.equal(await readFile(join(rootfs, 'into/two.txt'), 'utf8'), 'two\n');
});

test("COPY keeps the sources' mtimes to the nanosecond", async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY stamped.txt dir /copied/\n',
    'stamped.txt': 'stamped\n',
    'dir/inner.txt': 'inner\n',
  });
  for (const path of ['stamped.txt', 'dir/inner.txt', 'dir']) {
    await run('touch', ['-h', '-d', '@1577934245.123456789', join(context, path)]);
  }
  await build(fixture, context, { tags: ['copy-mtimes'] });
  const rootfs = await unpackWithUmoci(fixture, 'copy-mtimes');
  const mtime = async (path: string) => (await lstat(join(rootfs, path), { bigint: true })).mtimeNs;
  assert.deepEqual(
    [await mtime('copied/stamped.txt'), await mtime('copied/inner.txt')],
    [1577934245123456789n, 1577934245123456789n],
  );
});

test('--from keeps owners and modes of the source stage', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE AS build
RUN mkdir -m 0700 /out && echo x > /out/tool && chmod 0751 /out/tool && chown -R 42:43 /out
FROM BASE
COPY --from=build /out /opt/
COPY --from=build /out /new/deeper/
`,
  });
  await build(fixture, context, { tags: ['copy-from'] });
  const rootfs = await unpackWithUmoci(fixture, 'copy-from');
  assert.equal(await meta(rootfs, 'opt/tool'), '751 42:43');
  // The directory that receives the contents is made, not copied: 0755 and 0:0.
  assert.equal(await meta(rootfs, 'new/deeper'), '755 0:0');
  assert.equal(await meta(rootfs, 'new/deeper/tool'), '751 42:43');
});

test('a symbolic --chmod changes each source mode; its text is in the cache key', async () => {
  const dockerfile = (mode: string) => `FROM BASE
COPY --chmod=${mode} tool.sh /bin/tool.sh
ADD --chmod=go-w,u=rwX tree /srv/
`;
  const context = await makeContext(fixture, {
    Dockerfile: dockerfile('u+x'),
    'tool.sh': 'echo tool\n',
    'tree/data.txt': 'data\n',
    'tree/run.sh': 'run\n',
    'tree/sub/x.txt': 'x\n',
  });
  await chmod(join(context, 'tool.sh'), 0o644);
  await chmod(join(context, 'tree/data.txt'), 0o666);
  await chmod(join(context, 'tree/run.sh'), 0o770);
  await chmod(join(context, 'tree/sub'), 0o777);
  await build(fixture, context, { tags: ['chmod-symbolic'] });
  const rootfs = await unpackWithUmoci(fixture, 'chmod-symbolic');
  assert.equal(await meta(rootfs, 'bin/tool.sh'), '744 0:0');
  assert.equal(await meta(rootfs, 'srv'), '755 0:0');
  assert.equal(await meta(rootfs, 'srv/data.txt'), '644 0:0');
  assert.equal(await meta(rootfs, 'srv/run.sh'), '750 0:0');
  assert.equal(await meta(rootfs, 'srv/sub'), '755 0:0');

  // makeContext put the base image's reference for BASE: change only the mode.
  const written = await readFile(join(context, 'Dockerfile'), 'utf8');
  await writeFile(join(context, 'Dockerfile'), written.replace('=u+x ', '=g+x '));
  await build(fixture, context, { tags: ['chmod-symbolic-g'] });
  const changed = await unpackWithUmoci(fixture, 'chmod-symbolic-g');
  assert.equal(await meta(changed, 'bin/tool.sh'), '654 0:0');
});

test('a bad --chmod names the Dockerfile line', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY --chmod=u+q f /f\n',
    f: 'f\n',
  });
  await assert.rejects(build(fixture, context), (error: SlipwayError) => {
    assert.equal(error.code, 'INVALID_CHMOD');
    assert.equal(error.message, 'invalid --chmod=u+q: bad clause "u+q"');
    assert.deepEqual(error.location, { file: 'Dockerfile', line: 2, column: 1 });
    return true;
  });
});

test('--from a word that is no stage says so before the image lookup that failed', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE AS build\nRUN touch /out\nFROM BASE\nCOPY --from=biuld /out /out\n',
  });
  await assert.rejects(build(fixture, context), (error: SlipwayError) => {
    assert.match(
      error.message,
      /^--from=biuld: no stage named biuld before this one, so it was read as an image: ./,
    );
    assert.equal(
      error.hint,
      'define the stage above (FROM … AS biuld), pass --build-context biuld=…, ' +
        'or name the image in full',
    );
    assert.deepEqual(error.location, { file: 'Dockerfile', line: 4, column: 1 });
    return true;
  });
});

test('--exclude and --parents choose and place what is copied', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
COPY --exclude=*.log --exclude=tmp logs/ /kept/
COPY --parents src/*/main.txt /parents/
`,
    'logs/app.txt': 'keep',
    'logs/app.log': 'drop',
    'logs/tmp/x': 'drop',
    'src/one/main.txt': '1',
    'src/two/main.txt': '2',
    'src/two/other.txt': 'no',
  });
  await build(fixture, context, { tags: ['copy-filters'] });
  const rootfs = await unpackWithUmoci(fixture, 'copy-filters');
  const { stdout } = await run('find', ['kept', 'parents', '-mindepth', '1'], { cwd: rootfs });
  assert.deepEqual(stdout.trim().split('\n').sort(), [
    'kept/app.txt',
    'parents/src',
    'parents/src/one',
    'parents/src/one/main.txt',
    'parents/src/two',
    'parents/src/two/main.txt',
  ]);
});

test('ADD unpacks local archives and downloads URLs with a verified checksum', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: '',
    'payload/inner/data.txt': 'packed\n',
  });
  for (const [flag, name] of [
    ['-z', 'a.tar.gz'],
    ['-j', 'a.tar.bz2'],
    ['-J', 'a.tar.xz'],
    ['--zstd', 'a.tar.zst'],
  ]) {
    await run('tar', [
      '-c',
      flag as string,
      '-f',
      join(context, name as string),
      '-C',
      join(context, 'payload'),
      'inner',
    ]);
  }
  const served = Buffer.from('downloaded content\n');
  const server = createServer((_request, response) => {
    response.setHeader('Last-Modified', 'Wed, 01 May 2024 00:00:00 GMT');
    response.end(served);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/tool.bin`;
  const sum = createHash('sha256').update(served).digest('hex');
  try {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(context, 'Dockerfile'),
      `FROM ${fixture.base}
ADD a.tar.gz /gz/
ADD a.tar.bz2 /bz2/
ADD a.tar.xz /xz/
ADD a.tar.zst /zst/
ADD --checksum=sha256:${sum} ${url} /downloads/
`,
    );
    await build(fixture, context, { tags: ['add-rules'] });
    const rootfs = await unpackWithUmoci(fixture, 'add-rules');
    for (const dir of ['gz', 'bz2', 'xz', 'zst']) {
      assert.equal(await readFile(join(rootfs, dir, 'inner/data.txt'), 'utf8'), 'packed\n', dir);
    }
    assert.equal(
      await readFile(join(rootfs, 'downloads/tool.bin'), 'utf8'),
      'downloaded content\n',
    );
    assert.equal(await meta(rootfs, 'downloads/tool.bin'), '600 0:0');

    await writeFile(
      join(context, 'Dockerfile'),
      `FROM ${fixture.base}\nADD --checksum=sha256:${'0'.repeat(64)} ${url} /x\n`,
    );
    await assert.rejects(build(fixture, context), /checksum mismatch/);
  } finally {
    server.close();
  }
});

test('--link writes its files on an empty root: the layer holds only them', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN mkdir -m 0700 /target
COPY a.txt /target/plain.txt
COPY --link --chown=7:8 a.txt /target/linked.txt
`,
    'a.txt': 'a',
  });
  const result = await build(fixture, context, { tags: ['copy-link'] });
  const { manifest } = await readImage(fixture, result.digest);
  const [plain, linked] = manifest.layers.slice(2);
  assert.deepEqual(await layerEntries(fixture, plain!.digest), [
    'drwx------ 0/0 target/',
    '-rw-r--r-- 0/0 target/plain.txt',
  ]);
  assert.deepEqual(await layerEntries(fixture, linked!.digest), [
    'drwxr-xr-x 7/8 target/',
    '-rw-r--r-- 7/8 target/linked.txt',
  ]);
});
