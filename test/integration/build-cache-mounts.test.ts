import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type BuildFixture,
  build,
  makeContext,
  startBuildFixture,
  unpackWithUmoci,
} from '../harness/build.js';

// RUN --mount=type=cache in the real sandbox: sharing=locked serialises two
// parallel stages, sharing=private gives a concurrent user a fresh folder that
// is kept as a second copy for later builds, the content is kept between builds by id (--no-cache keeps it too, as BuildKit
// does) and uid, gid and mode set the folder the cache creates.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

/** Shell that marks `name` in /r and waits (at most 10 s) for the mark `other`. */
function meet(name: string, other: string): string {
  return `touch /r/${name} && i=0 && while [ ! -e /r/${other} ] && [ $i -lt 100 ]; \
do sleep 0.1; i=$((i+1)); done && test -e /r/${other}`;
}

test('locked serialises two parallel stages; private gives a concurrent user its own folder', async () => {
  const token = randomBytes(4).toString('hex');
  const meetMount = `--mount=type=cache,id=meet-${token},target=/r`;
  const locked = `--mount=type=cache,id=locked-${token},sharing=locked,target=/l`;
  const priv = `--mount=type=cache,id=private-${token},sharing=private,target=/p`;
  const stage = (name: string, other: string) => `FROM BASE AS ${name}
RUN ${meetMount} ${meet(`${name}-ready`, `${other}-ready`)}
RUN ${locked} echo ${name} start >> /l/log && sleep 0.5 && echo ${name} end >> /l/log
RUN ${priv} ${meetMount} echo ${name} > /p/who && ${meet(`${name}-in`, `${other}-in`)} \
&& cat /p/* > /private-seen
`;
  const context = await makeContext(fixture, {
    Dockerfile: `${stage('a', 'b')}${stage('b', 'a')}FROM BASE
COPY --from=a /private-seen /a-private
COPY --from=b /private-seen /b-private
RUN ${locked} cat /l/log > /locked-log
`,
  });
  await build(fixture, context, { tags: ['cache-sharing'] });
  const rootfs = await unpackWithUmoci(fixture, 'cache-sharing');
  const log = await readFile(join(rootfs, 'locked-log'), 'utf8');
  assert.ok(
    ['a start\na end\nb start\nb end\n', 'b start\nb end\na start\na end\n'].includes(log),
    log,
  );
  assert.equal(await readFile(join(rootfs, 'a-private'), 'utf8'), 'a\n');
  assert.equal(await readFile(join(rootfs, 'b-private'), 'utf8'), 'b\n');
});

/** Two parallel stages whose private-cache step runs while the other's does. */
function privatePair(token: string, round: string, command: string): string {
  const meetMount = `--mount=type=cache,id=meet-${token}-${round},target=/r`;
  const priv = `--mount=type=cache,id=private-${token},sharing=private,target=/p`;
  const stage = (name: string, other: string) => `FROM BASE AS ${name}
RUN ${priv} ${meetMount} ${command.replaceAll('NAME', name)} && \
${meet(`${name}-in`, `${other}-in`)}
`;
  return `${stage('a', 'b')}${stage('b', 'a')}FROM BASE
COPY --from=a /seen /a-seen
COPY --from=b /seen /b-seen
`;
}

test('the folder private gave a concurrent user is kept: later builds get either', async () => {
  const token = randomBytes(4).toString('hex');
  const write = privatePair(token, '1', 'echo NAME > /p/who && cat /p/who > /seen');
  await build(fixture, await makeContext(fixture, { Dockerfile: write }), { tags: ['priv-1'] });
  const first = await unpackWithUmoci(fixture, 'priv-1');
  assert.equal(await readFile(join(first, 'a-seen'), 'utf8'), 'a\n');
  assert.equal(await readFile(join(first, 'b-seen'), 'utf8'), 'b\n');

  const read = privatePair(token, '2', 'cat /p/who > /seen');
  await build(fixture, await makeContext(fixture, { Dockerfile: read }), { tags: ['priv-2'] });
  const second = await unpackWithUmoci(fixture, 'priv-2');
  const seen = [
    await readFile(join(second, 'a-seen'), 'utf8'),
    await readFile(join(second, 'b-seen'), 'utf8'),
  ];
  assert.deepEqual(seen.sort(), ['a\n', 'b\n']);
});

test('a cache is kept by id across Dockerfiles and --no-cache; uid, gid and mode apply', async () => {
  const token = randomBytes(4).toString('hex');
  const first = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN --mount=type=cache,id=owned-${token},target=/c,uid=1234,gid=5678,mode=0750 \
stat -c '%u %g %a' /c > /owned && echo kept > /c/data
`,
  });
  await build(fixture, first, { tags: ['cache-owned'] });
  const owned = await unpackWithUmoci(fixture, 'cache-owned');
  assert.equal(await readFile(join(owned, 'owned'), 'utf8'), '1234 5678 750\n');

  const second = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN --mount=type=cache,id=owned-${token},target=/elsewhere \
stat -c '%u %g %a' /elsewhere > /stat && cat /elsewhere/data > /seen
RUN --mount=type=cache,id=other-${token},target=/o ls -A /o > /other
`,
  });
  await build(fixture, second, { tags: ['cache-kept'], noCache: true });
  const kept = await unpackWithUmoci(fixture, 'cache-kept');
  assert.equal(await readFile(join(kept, 'stat'), 'utf8'), '1234 5678 750\n');
  assert.equal(await readFile(join(kept, 'seen'), 'utf8'), 'kept\n');
  assert.equal(await readFile(join(kept, 'other'), 'utf8'), '');
});

test('two mounts of one cache id in one RUN share its folder, whatever their sharing', async () => {
  const token = randomBytes(4).toString('hex');
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN --mount=type=cache,id=twice-${token},target=/a,sharing=locked \
--mount=type=cache,id=twice-${token},target=/b \
--mount=type=cache,id=twice-${token},target=/c,sharing=private \
echo one > /a/f && cat /b/f /c/f > /seen
`,
  });
  await build(fixture, context, { tags: ['cache-twice'] });
  const rootfs = await unpackWithUmoci(fixture, 'cache-twice');
  assert.equal(await readFile(join(rootfs, 'seen'), 'utf8'), 'one\none\n');
});
