import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
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

// What layers hold: deletions as whiteouts across layers, a replaced
// directory as an opaque whiteout, and multi-stage builds that build only
// what the target needs, in parallel where stages are independent.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

test('deleting files of a lower layer writes whiteouts; a replaced directory is opaque', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN mkdir -p /data/keep /data/replace && echo 1 > /data/gone.txt && echo 2 > /data/replace/old
RUN rm /data/gone.txt && rm -r /data/replace && mkdir /data/replace && echo 3 > /data/replace/new
`,
  });
  const result = await build(fixture, context, { tags: ['whiteouts'] });
  const { manifest } = await readImage(fixture, result.digest);
  const top = await layerEntries(fixture, manifest.layers[2]!.digest);
  assert.deepEqual(top, [
    'drwxr-xr-x 0/0 data/',
    '---------- 0/0 data/.wh.gone.txt',
    'drwxr-xr-x 0/0 data/replace/',
    '---------- 0/0 data/replace/.wh..wh..opq',
    '-rw-r--r-- 0/0 data/replace/new',
  ]);
  const rootfs = await unpackWithUmoci(fixture, 'whiteouts');
  assert.deepEqual((await readdir(join(rootfs, 'data'))).sort(), ['keep', 'replace']);
  assert.deepEqual(await readdir(join(rootfs, 'data/replace')), ['new']);
});

test('only the stages the target needs are built; --target stops at a stage', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE AS unused
RUN exit 1
FROM BASE AS tools
RUN echo tool > /tool
FROM BASE AS lib
RUN echo lib > /lib.txt
FROM BASE
COPY --from=tools /tool /opt/tool
COPY --from=lib /lib.txt /opt/lib.txt
`,
  });
  const result = await build(fixture, context, { tags: ['multistage'] });
  assert.equal(
    result.ran.some((name) => name.startsWith('[unused')),
    false,
  );
  const rootfs = await unpackWithUmoci(fixture, 'multistage');
  assert.equal(await readFile(join(rootfs, 'opt/tool'), 'utf8'), 'tool\n');
  assert.equal(await readFile(join(rootfs, 'opt/lib.txt'), 'utf8'), 'lib\n');
  // Independent stages start before either finishes.
  const order = result.events
    .filter((e) => e.kind === 'build.step.start' || e.kind === 'build.step.done')
    .map((e) => `${e.kind === 'build.step.start' ? 'start' : 'done'} ${e.step}`);
  const starts = result.events.filter((e) => e.kind === 'build.step.start');
  const tools = starts.find((e) => String(e.name).startsWith('[tools 2/2]'))!.step;
  const lib = starts.find((e) => String(e.name).startsWith('[lib 2/2]'))!.step;
  const firstDone = Math.min(order.indexOf(`done ${tools}`), order.indexOf(`done ${lib}`));
  assert.ok(
    order.indexOf(`start ${tools}`) < firstDone && order.indexOf(`start ${lib}`) < firstDone,
  );

  const target = await build(fixture, context, { tags: ['only-lib'], target: 'lib' });
  assert.deepEqual(
    target.events.filter((e) => e.kind === 'build.step.start').map((e) => e.name),
    [
      '[internal] load build definition from Dockerfile',
      '[lib 1/2] FROM ' + fixture.base,
      '[lib 2/2] RUN echo lib > /lib.txt',
      'exporting to image',
    ],
  );
});

test('RUN --mount: cache kept between builds, secrets never in the image, binds and tmpfs', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN --mount=type=cache,target=/var/cache/app echo run >> /var/cache/app/log && cat /var/cache/app/log > /runs
RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c > /token-length
RUN --mount=type=secret,id=token,env=TOKEN test "\${#TOKEN}" = 12 && echo ok > /env-ok
RUN --mount=type=bind,source=src,target=/mnt/src cp /mnt/src/input.txt /copied.txt
RUN --mount=type=tmpfs,target=/scratch echo temp > /scratch/t && ls /scratch > /scratch-list
`,
    'src/input.txt': 'from context\n',
  });
  const secrets = [{ id: 'token', value: 's3cret-value' }];
  await build(fixture, context, { tags: ['mounts'], secrets });
  const second = await build(fixture, context, { tags: ['mounts'], secrets, noCache: true });
  const rootfs = await unpackWithUmoci(fixture, 'mounts');
  assert.equal(await readFile(join(rootfs, 'runs'), 'utf8'), 'run\nrun\n');
  assert.equal((await readFile(join(rootfs, 'token-length'), 'utf8')).trim(), '12');
  assert.equal(await readFile(join(rootfs, 'env-ok'), 'utf8'), 'ok\n');
  assert.equal(await readFile(join(rootfs, 'copied.txt'), 'utf8'), 'from context\n');
  assert.equal(await readFile(join(rootfs, 'scratch-list'), 'utf8'), 't\n');
  for (const path of ['run/secrets/token', 'scratch/t', 'mnt/src/input.txt', 'var/cache/app/log']) {
    assert.equal(await lstat(join(rootfs, path)).catch(() => undefined), undefined, path);
  }
  const { manifest, config } = await readImage(fixture, second.digest);
  assert.equal(JSON.stringify(config).includes('s3cret-value'), false);
  for (const layer of manifest.layers.slice(1)) {
    const blob = join(fixture.home, 'store/blobs/sha256', layer.digest.slice(7));
    const { stdout } = await run('sh', ['-c', `gzip -dc ${blob} | grep -c s3cret-value || true`]);
    assert.equal(stdout.trim(), '0');
  }
});

test('a bind of the context or of a named folder hides what its .dockerignore hides', async () => {
  const named = join(fixture.dir, 'bind-named');
  await mkdir(named, { recursive: true });
  await writeFile(join(named, 'keep.txt'), 'kept\n');
  await writeFile(join(named, 'local.env'), 'TOKEN=named\n');
  await writeFile(join(named, '.dockerignore'), '*.env\n');
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN --mount=type=bind,target=/ctx ls -a /ctx > /ctx-list && stat -c %u:%g /ctx/app.txt > /owner
RUN --mount=type=bind,from=named,target=/named,rw ls -a /named > /named-list && touch /named/new
`,
    '.dockerignore': '*.env\n',
    'app.txt': 'app\n',
    'prod.env': 'TOKEN=context\n',
  });
  const buildContexts = { named: { kind: 'dir' as const, path: named } };
  await build(fixture, context, { tags: ['bind-ignore'], buildContexts });
  const rootfs = await unpackWithUmoci(fixture, 'bind-ignore');
  const list = async (name: string) => (await readFile(join(rootfs, name), 'utf8')).split('\n');
  assert.deepEqual(await list('ctx-list'), [
    '.',
    '..',
    '.dockerignore',
    'Dockerfile',
    'app.txt',
    '',
  ]);
  assert.equal(await readFile(join(rootfs, 'owner'), 'utf8'), '0:0\n');
  assert.deepEqual(await list('named-list'), ['.', '..', '.dockerignore', 'keep.txt', '']);
  // A rw bind's writes are thrown away: not in the folder, not in the image.
  assert.deepEqual((await readdir(named)).sort(), ['.dockerignore', 'keep.txt', 'local.env']);
  assert.equal(await lstat(join(rootfs, 'named')).catch(() => undefined), undefined);
});

test('RUN --mount binds a stage or an image; --network=none leaves only loopback', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE AS tools
RUN mkdir /out && echo built > /out/tool.txt
FROM BASE
RUN --mount=type=bind,from=tools,source=/out,target=/mnt/tools cp /mnt/tools/tool.txt /tool.txt
RUN --mount=type=bind,from=BASE,source=/bin,target=/mnt/bin ls /mnt/bin/busybox > /image.txt
RUN --network=none cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' ' > /interfaces.txt
`,
  });
  await build(fixture, context, { tags: ['mount-sources'] });
  const rootfs = await unpackWithUmoci(fixture, 'mount-sources');
  assert.equal(await readFile(join(rootfs, 'tool.txt'), 'utf8'), 'built\n');
  assert.equal(await readFile(join(rootfs, 'image.txt'), 'utf8'), '/mnt/bin/busybox\n');
  assert.equal(await readFile(join(rootfs, 'interfaces.txt'), 'utf8'), 'lo\n');
  for (const path of ['mnt/tools', 'mnt/bin', 'out']) {
    assert.equal(await lstat(join(rootfs, path)).catch(() => undefined), undefined, path);
  }
});

test("the build's --network none cuts RUN off unless the RUN asks for the host's", async () => {
  const interfaces = 'cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d " " | sort | tr "\\n" " "';
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN ${interfaces} > /by-default.txt
RUN --network=default ${interfaces} > /default.txt
RUN --network=host ${interfaces} > /host.txt
`,
  });
  await build(fixture, context, { tags: ['network-none'], network: 'none' });
  const rootfs = await unpackWithUmoci(fixture, 'network-none');
  const host = (await readFile('/proc/net/dev', 'utf8'))
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim())
    .filter(Boolean)
    .sort();
  assert.equal(await readFile(join(rootfs, 'by-default.txt'), 'utf8'), 'lo ');
  assert.equal(await readFile(join(rootfs, 'default.txt'), 'utf8'), 'lo ');
  assert.equal(await readFile(join(rootfs, 'host.txt'), 'utf8'), `${host.join(' ')} `);
});

test('heredocs: RUN runs the body, COPY writes it as a file', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
RUN <<EOF
echo first > /heredoc-run
echo second >> /heredoc-run
EOF
COPY <<EOF /etc/motd
welcome
EOF
ARG FOO=bar
ENV GREETING=hello
COPY <<-EOT /script.sh
	echo "\${GREETING} \${FOO}" $FOO \${MISSING:-none}
	EOT
COPY <<"EOT" /literal.sh
echo "\${FOO}"
EOT
`,
  });
  await build(fixture, context, { tags: ['heredocs'] });
  const rootfs = await unpackWithUmoci(fixture, 'heredocs');
  assert.equal(await readFile(join(rootfs, 'heredoc-run'), 'utf8'), 'first\nsecond\n');
  assert.equal(await readFile(join(rootfs, 'etc/motd'), 'utf8'), 'welcome\n');
  // As BuildKit: an unquoted delimiter expands the variables, quotes and backslashes stay.
  assert.equal(await readFile(join(rootfs, 'script.sh'), 'utf8'), 'echo "hello bar" bar none\n');
  assert.equal(await readFile(join(rootfs, 'literal.sh'), 'utf8'), 'echo "${FOO}"\n');
  assert.equal((await stat(join(rootfs, 'etc/motd'))).mode & 0o777, 0o644);
});
