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

// The conformance run's known differences of its reference (Debian's BuildKit
// v0.8; docs/conformance.md) where slipway follows current BuildKit, as our
// own cases, so CI holds them without dockerd. Heredocs, COPY --exclude and
// --parents and sub-second mtimes (K01 to K04) are in build-layers and
// build-copy; these are B15 and the kaniko corpus cases listed in
// bench/conformance/known-differences.json.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

test('B15: COPY --chmod of a directory source gives the directory that mode too', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY --chown=1:1 --chmod=750 bla /bla\n',
    'bla/inner.txt': 'x\n',
  });
  await build(fixture, context, { tags: ['b15'] });
  const rootfs = await unpackWithUmoci(fixture, 'b15');
  const meta = async (path: string) => {
    const { mode, uid, gid } = await stat(join(rootfs, path));
    return `${(mode & 0o7777).toString(8)} ${uid}:${gid}`;
  };
  assert.deepEqual(await Promise.all(['bla', 'bla/inner.txt'].map(meta)), ['750 1:1', '750 1:1']);
});

test('Dockerfile_test_cmd: text after an exec-form array makes it shell form', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE AS first
CMD ["mycmd"]
FROM first
ENTRYPOINT ["myentrypoint"] # This should clear out CMD in the config metadata
`,
  });
  const result = await build(fixture, context);
  const { config } = await readImage(fixture, result.digest);
  assert.deepEqual(config.config?.Entrypoint, [
    '/bin/sh',
    '-c',
    '["myentrypoint"] # This should clear out CMD in the config metadata',
  ]);
  assert.equal(config.config?.Cmd ?? null, null);
});

test('Dockerfile_test_scratch: an ARG name is not expanded, only its default', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE
ENV baz=baz src=file3
ARG \${src}=context/bar/\${baz}
RUN echo "file3=[$file3]" > /arg.txt
`,
  });
  await build(fixture, context, { tags: ['arg-name'] });
  const rootfs = await unpackWithUmoci(fixture, 'arg-name');
  assert.equal(await readFile(join(rootfs, 'arg.txt'), 'utf8'), 'file3=[]\n');
});

test('Dockerfile_test_issue_519: a stage name with capitals is found in any case', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM BASE AS base_stage
RUN touch /meow.txt
FROM base_stage AS BUG_stage
RUN touch /purr.txt
FROM BUG_stage AS final_stage
RUN touch /mew.txt
FROM bug_STAGE
RUN ls /meow.txt /purr.txt > /seen.txt
`,
  });
  await build(fixture, context, { tags: ['capital-stage'] });
  const rootfs = await unpackWithUmoci(fixture, 'capital-stage');
  assert.equal(await readFile(join(rootfs, 'seen.txt'), 'utf8'), '/meow.txt\n/purr.txt\n');
});
