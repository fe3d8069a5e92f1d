import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SlipwayError } from '../../src/errors/index.js';
import {
  type BuildFixture,
  build,
  makeContext,
  readImage,
  startBuildFixture,
  unpackWithUmoci,
} from '../harness/build.js';

// Every Dockerfile instruction once, checked in the config, the history and
// the filesystem of the image slipway stores (unpacked by umoci).

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

const EPOCH = 1700000000;
const CREATED = '2023-11-14T22:13:20.000Z';

test('every instruction sets the config and history as BuildKit does', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `ARG FLAVOR=plain
FROM BASE
ARG FLAVOR
ARG LEVEL=3
MAINTAINER dev@example.com
ENV APP_HOME=/srv/app GREETING="hello world"
LABEL org.example.flavor=$FLAVOR "org.example.level"="$LEVEL"
WORKDIR $APP_HOME
COPY run.sh ./
ADD notes.txt /srv/
RUN echo "$GREETING $FLAVOR $LEVEL" > greeting.txt
SHELL ["/bin/sh", "-ec"]
RUN test -f greeting.txt
EXPOSE 8080 53/udp 9000-9001
VOLUME /data
USER nobody
HEALTHCHECK --interval=30s --timeout=5s --retries=4 CMD wget -q -O- http://localhost:8080/ || exit 1
STOPSIGNAL SIGTERM
ONBUILD RUN echo child
CMD ["--serve"]
ENTRYPOINT ["/srv/app/run.sh"]
`,
    'run.sh': '#!/bin/sh\necho run\n',
    'notes.txt': 'notes\n',
  });
  const result = await build(fixture, context, {
    tags: ['instructions'],
    buildArgs: { FLAVOR: 'spicy' },
    sourceDateEpoch: EPOCH,
  });
  const { config } = await readImage(fixture, result.digest);
  assert.equal(config.created, CREATED);
  assert.deepEqual(config.config, {
    Env: [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'APP_HOME=/srv/app',
      'GREETING=hello world',
    ],
    Labels: { 'org.example.flavor': 'spicy', 'org.example.level': '3' },
    WorkingDir: '/srv/app',
    Shell: ['/bin/sh', '-ec'],
    ExposedPorts: { '53/udp': {}, '8080/tcp': {}, '9000/tcp': {}, '9001/tcp': {} },
    Volumes: { '/data': {} },
    User: 'nobody',
    Healthcheck: {
      Test: ['CMD-SHELL', 'wget -q -O- http://localhost:8080/ || exit 1'],
      Interval: 30_000_000_000,
      Timeout: 5_000_000_000,
      Retries: 4,
    },
    StopSignal: 'SIGTERM',
    OnBuild: ['RUN echo child'],
    Entrypoint: ['/srv/app/run.sh'],
    Cmd: ['--serve'],
  });
  assert.equal(config.author, 'dev@example.com');
  const history = (config.history ?? [])
    .slice(1)
    .map((h) => [h.created_by, h.empty_layer ?? false]);
  assert.deepEqual(history, [
    ['ARG FLAVOR', true],
    ['ARG LEVEL=3', true],
    ['MAINTAINER dev@example.com', true],
    ['ENV APP_HOME=/srv/app GREETING=hello world', true],
    ['LABEL org.example.flavor=spicy org.example.level=3', true],
    ['WORKDIR /srv/app', false],
    ['COPY run.sh ./ # buildkit', false],
    ['ADD notes.txt /srv/ # buildkit', false],
    [
      'RUN |2 FLAVOR=spicy LEVEL=3 /bin/sh -c echo "$GREETING $FLAVOR $LEVEL" > greeting.txt # buildkit',
      false,
    ],
    ['SHELL [/bin/sh -ec]', true],
    ['RUN |2 FLAVOR=spicy LEVEL=3 /bin/sh -ec test -f greeting.txt # buildkit', true],
    ['EXPOSE map[53/udp:{} 8080/tcp:{} 9000/tcp:{} 9001/tcp:{}]', true],
    ['VOLUME [/data]', true],
    ['USER nobody', true],
    [
      'HEALTHCHECK &{["CMD-SHELL" "wget -q -O- http://localhost:8080/ || exit 1"] "30s" "5s" "0s" "0s" \'\\x04\'}',
      true,
    ],
    ['STOPSIGNAL SIGTERM', true],
    ['ONBUILD RUN echo child', true],
    ['CMD ["--serve"]', true],
    ['ENTRYPOINT ["/srv/app/run.sh"]', true],
  ]);
  assert.ok((config.history ?? []).slice(1).every((h) => h.created === CREATED));
  // The base layer, WORKDIR, COPY, ADD and the first RUN; the second RUN changed nothing.
  assert.equal(config.rootfs.diff_ids.length, 5);

  const rootfs = await unpackWithUmoci(fixture, 'instructions');
  assert.equal(
    await readFile(join(rootfs, 'srv/app/greeting.txt'), 'utf8'),
    'hello world spicy 3\n',
  );
  assert.equal(await readFile(join(rootfs, 'srv/notes.txt'), 'utf8'), 'notes\n');
  assert.equal((await stat(join(rootfs, 'srv/app/run.sh'))).mode & 0o777, 0o755);
});

test('ENTRYPOINT after CMD in the same stage keeps the CMD; a child image runs ONBUILD', async () => {
  const parent = await makeContext(fixture, {
    Dockerfile:
      'FROM BASE\nCMD ["a"]\nENTRYPOINT ["b"]\nONBUILD RUN echo triggered > /onbuild.txt\n',
  });
  const parentRun = await build(fixture, parent, { tags: ['onbuild-parent'] });
  const { config } = await readImage(fixture, parentRun.digest);
  assert.deepEqual([config.config?.Entrypoint, config.config?.Cmd], [['b'], ['a']]);

  const child = await makeContext(fixture, {
    Dockerfile: 'FROM onbuild-parent\nRUN cat /onbuild.txt\n',
  });
  const childRun = await build(fixture, child, { tags: ['onbuild-child'] });
  const childImage = await readImage(fixture, childRun.digest);
  assert.equal(childImage.config.config?.OnBuild, null);
  const rootfs = await unpackWithUmoci(fixture, 'onbuild-child');
  assert.equal(await readFile(join(rootfs, 'onbuild.txt'), 'utf8'), 'triggered\n');

  // A failing trigger points at the FROM that ran it, not at a line of its own.
  const failing = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nUSER 1234\nONBUILD RUN touch /not-mine\n',
  });
  await build(fixture, failing, { tags: ['onbuild-failing'] });
  const grandchild = await makeContext(fixture, {
    Dockerfile: '# a child\n# of a parent with a trigger\nFROM onbuild-failing\nRUN true\n',
  });
  await assert.rejects(build(fixture, grandchild), (error: SlipwayError) => {
    assert.deepEqual(error.location, { file: 'Dockerfile', line: 3, column: 1 });
    return true;
  });
});

test('USER resolves names from the image; WORKDIR is created owned by that user', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nUSER nobody\nWORKDIR /home/work\nRUN id -u > /tmp/uid && touch mine\n',
  });
  await build(fixture, context, { tags: ['user-workdir'] });
  const rootfs = await unpackWithUmoci(fixture, 'user-workdir');
  const nobody = (await stat(join(rootfs, 'home/work/mine'))).uid;
  assert.equal(await readFile(join(rootfs, 'tmp/uid'), 'utf8'), `${nobody}\n`);
  assert.equal((await stat(join(rootfs, 'home/work'))).uid, nobody);
  assert.notEqual(nobody, 0);
});

test('FROM scratch starts from BuildKit empty image config', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM scratch\nCOPY a.txt /\n',
    'a.txt': 'a',
  });
  const result = await build(fixture, context, { sourceDateEpoch: EPOCH });
  const { manifest, config } = await readImage(fixture, result.digest);
  assert.deepEqual(config.config, {
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    WorkingDir: '/',
  });
  assert.equal(manifest.layers.length, 1);
  assert.deepEqual(
    config.history?.map((h) => h.created_by),
    ['COPY a.txt / # buildkit'],
  );
});

test('a stage built FROM another keeps its ARG values, as BuildKit state does', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `ARG OTHER=global
FROM BASE AS base
ARG NAME=base
FROM base AS dev
ARG NAME="$NAME-dev"
RUN echo "dev $NAME" > /dev.txt
FROM dev
ARG NAME
ARG OTHER
RUN echo "final $NAME $OTHER" > /final.txt
`,
  });
  const result = await build(fixture, context, { tags: ['stage-args'] });
  const rootfs = await unpackWithUmoci(fixture, 'stage-args');
  assert.equal(await readFile(join(rootfs, 'dev.txt'), 'utf8'), 'dev base-dev\n');
  assert.equal(await readFile(join(rootfs, 'final.txt'), 'utf8'), 'final base-dev global\n');
  const { config } = await readImage(fixture, result.digest);
  assert.equal(
    config.history?.at(-1)?.created_by,
    'RUN |2 NAME=base-dev OTHER=global /bin/sh -c echo "final $NAME $OTHER" > /final.txt # buildkit',
  );
});

test('WORKDIR owns what it makes by USER; a name the image lacks counts as root', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM scratch
USER 9999
WORKDIR /w/uid
USER 9999:4242
WORKDIR /w/uid-gid
USER root
WORKDIR /w/root-name
USER ghost:4242
WORKDIR /w/ghost
USER 0
`,
  });
  await build(fixture, context, { tags: ['workdir-owners'] });
  const rootfs = await unpackWithUmoci(fixture, 'workdir-owners');
  const owner = async (path: string) => {
    const { uid, gid } = await stat(join(rootfs, path));
    return `${uid}:${gid}`;
  };
  assert.deepEqual(
    await Promise.all(['w', 'w/uid', 'w/uid-gid', 'w/root-name', 'w/ghost'].map(owner)),
    ['9999:9999', '9999:9999', '9999:4242', '0:0', '0:4242'],
  );
});
