import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BuildFixture, build, makeContext, startBuildFixture } from '../harness/build.js';

// The build cache: a rebuild with no change hits every step; one changed file
// reruns its COPY and what follows, nothing before; --no-cache runs all; a
// build whose steps all hit needs no registry for its base image; the same
// input with SOURCE_DATE_EPOCH gives the same manifest digest in a new home.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

const DOCKERFILE = `FROM BASE
RUN echo one > /one
COPY a.txt /a.txt
RUN cat /a.txt > /copy-of-a
COPY b.txt /b.txt
RUN echo done > /done
`;

test('no change hits every step; one changed file reruns its COPY and what follows', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: DOCKERFILE,
    'a.txt': 'a',
    'b.txt': 'b',
  });
  const first = await build(fixture, context, { tags: ['cache-test'] });
  assert.deepEqual(first.cached, []);
  const second = await build(fixture, context, { tags: ['cache-test'] });
  assert.deepEqual(second.cached, [
    '[2/6] RUN echo one > /one',
    '[3/6] COPY a.txt /a.txt',
    '[4/6] RUN cat /a.txt > /copy-of-a',
    '[5/6] COPY b.txt /b.txt',
    '[6/6] RUN echo done > /done',
  ]);
  assert.equal(second.digest, first.digest);

  await writeFile(join(context, 'b.txt'), 'b changed');
  const third = await build(fixture, context, { tags: ['cache-test'] });
  assert.deepEqual(third.cached, [
    '[2/6] RUN echo one > /one',
    '[3/6] COPY a.txt /a.txt',
    '[4/6] RUN cat /a.txt > /copy-of-a',
  ]);
  assert.ok(third.ran.includes('[5/6] COPY b.txt /b.txt'));
  assert.ok(third.ran.includes('[6/6] RUN echo done > /done'));
  assert.notEqual(third.digest, first.digest);

  const fresh = await build(fixture, context, { tags: ['cache-test'], noCache: true });
  assert.deepEqual(fresh.cached, []);
});

test('a build whose steps all hit does not reach the registry of its base image', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: DOCKERFILE,
    'a.txt': 'x',
    'b.txt': 'y',
  });
  await build(fixture, context);
  const requests = async () =>
    (await import('node:fs/promises')).readFile(fixture.registry.logFile, 'utf8');
  const log = await requests();
  assert.ok(log.includes('GET /v2/base/busybox/manifests'), 'the first build pulled the base');
  const before = log.length;
  const again = await build(fixture, context);
  assert.equal(again.cached.length, 5);
  assert.equal((await requests()).slice(before).includes('GET /v2/base/busybox'), false);
});

test('the same input with SOURCE_DATE_EPOCH gives the same manifest digest from scratch', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `${DOCKERFILE}ENV BUILT=yes\n`,
    'a.txt': 'same',
    'b.txt': 'same',
  });
  const epoch = 1714000000;
  const first = await build(fixture, context, { sourceDateEpoch: epoch, noCache: true });
  const otherHome = { ...fixture, home: join(fixture.dir, 'second-home') };
  const second = await build(otherHome, context, { sourceDateEpoch: epoch, noCache: true });
  assert.equal(second.digest, first.digest);
  assert.equal(second.configDigest, first.configDigest);
});
