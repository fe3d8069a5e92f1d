import assert from 'node:assert/strict';
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  readFile,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type BuildFixture,
  build,
  layerEntries,
  makeContext,
  readImage,
  startBuildFixture,
} from '../harness/build.js';

// FROM NAME where --build-context NAME=DIR is a directory: as BuildKit's
// llb.Local, the stage starts from the directory's files (its .dockerignore
// applied, owners 0:0, modes kept) on scratch's empty config; RUN and COPY
// build on it, and the cache follows the directory's content.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

/** A small root filesystem: static busybox as sh and cat, an app folder owned 1000:1000. */
async function makeRootDir(name: string): Promise<string> {
  const root = join(fixture.dir, name);
  await mkdir(join(root, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
  for (const applet of ['sh', 'cat']) await symlink('busybox', join(root, 'bin', applet));
  await mkdir(join(root, 'app'));
  await writeFile(join(root, 'app', 'run.sh'), 'echo run\n', { mode: 0o755 });
  await writeFile(join(root, 'app', 'config'), 'level=1\n', { mode: 0o600 });
  await writeFile(join(root, 'app', 'secret.key'), 'do not ship\n');
  await chown(join(root, 'app', 'config'), 1000, 1000);
  await chown(join(root, 'app'), 1000, 1000);
  await writeFile(join(root, '.dockerignore'), '*/*.key\n.dockerignore\n');
  return root;
}

const DOCKERFILE =
  'FROM rootfs\nCOPY note.txt /app/\nRUN cat /app/config /app/note.txt > /app/both\n';

test('FROM a directory: its files are the first layer, RUN and COPY build on them', async () => {
  const rootfs = await makeRootDir('rootfs-files');
  const context = await makeContext(fixture, { Dockerfile: DOCKERFILE, 'note.txt': 'note\n' });
  const buildContexts = { rootfs: { kind: 'dir' as const, path: rootfs } };
  const files = join(fixture.dir, 'from-dir-files');
  const result = await build(fixture, context, {
    tags: ['from-dir'],
    buildContexts,
    outputs: [{ type: 'local', dest: files }],
  });
  assert.equal(await readFile(join(files, 'app', 'both'), 'utf8'), 'level=1\nnote\n');

  const { manifest, config } = await readImage(fixture, result.digest);
  assert.equal(manifest.layers.length, 3);
  assert.deepEqual(await layerEntries(fixture, manifest.layers[0]!.digest), [
    'drwxr-xr-x 0/0 app/',
    '-rw------- 0/0 app/config',
    '-rwxr-xr-x 0/0 app/run.sh',
    'drwxr-xr-x 0/0 bin/',
    '-rwxr-xr-x 0/0 bin/busybox',
    'lrwxrwxrwx 0/0 bin/cat -> busybox',
    'lrwxrwxrwx 0/0 bin/sh -> busybox',
  ]);
  // The empty image's config, as FROM scratch has it; the layer's history is BuildKit's.
  assert.deepEqual(config.config, {
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    WorkingDir: '/',
  });
  assert.deepEqual(
    config.history?.map((h) => [h.created_by, h.comment, h.empty_layer ?? false]),
    [
      ['local source for rootfs', 'buildkit.exporter.image.v0', false],
      ['COPY note.txt /app/ # buildkit', 'buildkit.dockerfile.v0', false],
      [
        'RUN /bin/sh -c cat /app/config /app/note.txt > /app/both # buildkit',
        'buildkit.dockerfile.v0',
        false,
      ],
    ],
  );
});

test('FROM a directory: the cache follows its content, not its file times', async () => {
  const rootfs = await makeRootDir('rootfs-cache');
  await writeFile(join(rootfs, 'app', 'config'), 'level=cache\n');
  const context = await makeContext(fixture, { Dockerfile: DOCKERFILE, 'note.txt': 'note\n' });
  const buildContexts = { rootfs: { kind: 'dir' as const, path: rootfs } };
  const steps = [
    '[1/3] FROM rootfs',
    '[2/3] COPY note.txt /app/',
    '[3/3] RUN cat /app/config /app/note.txt > /app/both',
  ];
  const stepsOf = (names: string[]) => names.filter((name) => /^\[\d/.test(name));
  const first = await build(fixture, context, { buildContexts });
  assert.deepEqual(stepsOf(first.ran), steps);

  const again = await build(fixture, context, { buildContexts });
  assert.deepEqual(again.cached, steps);
  assert.equal(again.digest, first.digest);

  // New file times alone, or a change to a hidden file, change nothing.
  await utimes(join(rootfs, 'app', 'config'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  await writeFile(join(rootfs, 'app', 'secret.key'), 'another secret\n');
  const hidden = await build(fixture, context, { buildContexts });
  assert.deepEqual(hidden.cached, steps);

  await writeFile(join(rootfs, 'app', 'config'), 'level=2\n');
  const changed = await build(fixture, context, {
    buildContexts,
    outputs: [{ type: 'local', dest: join(fixture.dir, 'from-dir-changed') }],
  });
  assert.deepEqual(stepsOf(changed.ran), steps);
  const both = await readFile(join(fixture.dir, 'from-dir-changed', 'app', 'both'), 'utf8');
  assert.equal(both, 'level=2\nnote\n');

  await chmod(join(rootfs, 'app', 'run.sh'), 0o700);
  const mode = await build(fixture, context, { buildContexts });
  assert.deepEqual(stepsOf(mode.ran), steps);
});

test('COPY --from a directory hides what its .dockerignore hides, as FROM it does', async () => {
  const rootfs = await makeRootDir('rootfs-copy');
  const context = await makeContext(fixture, {
    Dockerfile:
      'FROM BASE\nCOPY --from=rootfs app/run.sh /run.sh\nCOPY --from=rootfs app/secret.key /\n',
  });
  const buildContexts = { rootfs: { kind: 'dir' as const, path: rootfs } };
  await assert.rejects(build(fixture, context, { buildContexts }), {
    code: 'COPY_SOURCE_MISSING',
    message: 'app/secret.key: not found in the build context',
  });
});

test('a --build-context named like a stage replaces it: its steps and what it uses never run', async () => {
  const deps = join(fixture.dir, 'deps-context');
  await mkdir(deps, { recursive: true });
  await writeFile(join(deps, 'marker.txt'), 'from the context\n');
  const context = await makeContext(fixture, {
    Dockerfile:
      'FROM BASE AS broken\nRUN exit 3\n' +
      'FROM broken AS deps\nRUN echo never > /marker.txt\n' +
      'FROM BASE\nCOPY --from=deps /marker.txt /a.txt\nCOPY --from=1 /marker.txt /b.txt\n',
  });
  const files = join(fixture.dir, 'replaced-stage-files');
  const result = await build(fixture, context, {
    buildContexts: { deps: { kind: 'dir', path: deps } },
    outputs: [{ type: 'local', dest: files }],
  });
  assert.deepEqual(
    result.ran.filter((name) => name.includes('RUN')),
    [],
  );
  assert.equal(await readFile(join(files, 'a.txt'), 'utf8'), 'from the context\n');
  assert.equal(await readFile(join(files, 'b.txt'), 'utf8'), 'from the context\n');

  // Without the context the stage is built, and its base fails as written.
  await assert.rejects(build(fixture, context), /exit code: 3/);
});
