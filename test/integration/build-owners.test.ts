import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type BuildFixture,
  build,
  makeContext,
  readImage,
  startBuildFixture,
  unpackWithUmoci,
} from '../harness/build.js';

// Owners by number and by name, the corpus's builder bugs B18, B19 and B20
// (../shared/corpus/builder-bugs.md) as our own cases: numeric ids need no
// entry, names are looked up in the destination stage's own account files,
// and a name that has no entry fails at its line, as BuildKit fails.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

async function owner(rootfs: string, path: string): Promise<string> {
  const { uid, gid } = await stat(join(rootfs, path));
  return `${uid}:${gid}`;
}

test('B18: USER with numeric ids and no entry runs as them; a name as its entry', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
USER 1000:1000
RUN id -u > /tmp/numeric && id -g >> /tmp/numeric
USER nobody
RUN id -un > /tmp/named
USER 1001
RUN id -u > /tmp/uid-only && id -g >> /tmp/uid-only
`,
  });
  await build(fixture, context, { tags: ['b18'] });
  const rootfs = await unpackWithUmoci(fixture, 'b18');
  assert.equal(await readFile(join(rootfs, 'tmp/numeric'), 'utf8'), '1000\n1000\n');
  assert.equal(await readFile(join(rootfs, 'tmp/named'), 'utf8'), 'nobody\n');
  assert.equal(await readFile(join(rootfs, 'tmp/uid-only'), 'utf8'), '1001\n0\n');
  assert.equal(await owner(rootfs, 'tmp/numeric'), '1000:1000');
});

test('B19: COPY --chown=UID with no entry owns files and made folders UID:UID', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY --chown=1001 lib/ /deployments/lib/\n',
    'lib/a.jar': 'jar\n',
    'lib/sub/b.txt': 'b\n',
  });
  await build(fixture, context, { tags: ['b19'] });
  const rootfs = await unpackWithUmoci(fixture, 'b19');
  const paths = ['/', '/lib', '/lib/a.jar', '/lib/sub', '/lib/sub/b.txt'];
  assert.deepEqual(await Promise.all(paths.map((p) => owner(rootfs, `deployments${p}`))), [
    '1001:1001',
    '1001:1001',
    '1001:1001',
    '1001:1001',
    '1001:1001',
  ]);
});

test('B20: COPY --from --chown names resolve in the destination stage', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE AS b
WORKDIR /home/node
COPY app/ .
FROM BASE
RUN echo 'node:x:1000:1000::/home/node:/bin/sh' >> /etc/passwd && \\
echo 'node:x:1000:' >> /etc/group && mkdir -p /home/node && chown node:node /home/node
WORKDIR /home/node
COPY --from=b --chown=node:node /home/node .
USER node
RUN mkdir -p logs
`,
    'app/package.json': '{}\n',
    'app/src/index.js': 'console.log(1)\n',
  });
  await build(fixture, context, { tags: ['b20'] });
  const rootfs = await unpackWithUmoci(fixture, 'b20');
  const paths = ['home/node/package.json', 'home/node/src', 'home/node/src/index.js'];
  assert.deepEqual(await Promise.all(paths.map((p) => owner(rootfs, p))), [
    '1000:1000',
    '1000:1000',
    '1000:1000',
  ]);
  assert.equal(await owner(rootfs, 'home/node/logs'), '1000:1000');
});

test('COPY --chown with a name the image lacks fails at its line naming the name', async () => {
  const cases: [string, string][] = [
    ['FROM BASE', "unable to find user ghost: no entry named ghost in the image's /etc/passwd"],
    ['FROM scratch', 'unable to find user ghost: the image has no /etc/passwd'],
  ];
  for (const [from, message] of cases) {
    const context = await makeContext(fixture, {
      Dockerfile: `${from}\nCOPY a.txt /a.txt\nCOPY --chown=ghost a.txt /b.txt\n`,
      'a.txt': 'a\n',
    });
    await assert.rejects(build(fixture, context), (error: Error & { describe(): string }) => {
      assert.equal(
        error.describe(),
        `Dockerfile:3:1: ${message}\n` +
          '  hint: add the user in an earlier RUN (useradd or adduser), ' +
          'or use numeric ids: --chown=UID:GID',
      );
      return true;
    });
  }
  const group = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY --chown=nobody:ghosts a.txt /a.txt\n',
    'a.txt': 'a\n',
  });
  await assert.rejects(build(fixture, group), {
    message: "unable to find group ghosts: no entry named ghosts in the image's /etc/group",
  });
});

test('B18: USER with a name the image lacks stands until a RUN needs it', async () => {
  const kept = await makeContext(fixture, { Dockerfile: 'FROM BASE\nUSER ghost\n' });
  const result = await build(fixture, kept);
  const { config } = await readImage(fixture, result.digest);
  assert.equal(config.config?.User, 'ghost');

  const ran = await makeContext(fixture, { Dockerfile: 'FROM BASE\nUSER ghost\nRUN true\n' });
  await assert.rejects(build(fixture, ran), (error: Error & { describe(): string }) => {
    assert.equal(
      error.describe(),
      'Dockerfile:3:1: unable to find user ghost: no matching entries in passwd file\n' +
        '  hint: add the user to the image (useradd/adduser) or give a numeric uid',
    );
    return true;
  });
});
