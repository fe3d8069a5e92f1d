import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SlipwayError } from '../../src/errors/index.js';
import { type BuildFixture, build, makeContext, startBuildFixture } from '../harness/build.js';

// What a build checks before it starts: a Dockerfile that is a directory, missing
// or UTF-16 text; a --secret file, --build-context or output folder that is not
// there; a push with no name. Each error says which and what to do; no step runs.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

async function failure(
  context: string,
  options: Parameters<typeof build>[2] = {},
): Promise<SlipwayError> {
  return build(fixture, context, options).then(
    () => assert.fail('the build should fail'),
    (error: SlipwayError) => error,
  );
}

test('a Dockerfile that is a directory or missing says so, with the -f hint', async () => {
  const context = await makeContext(fixture, {});
  await mkdir(join(context, 'Dockerfile'));
  const directory = await failure(context);
  assert.equal(directory.code, 'DOCKERFILE_MISSING');
  assert.equal(
    directory.describe(),
    `cannot read Dockerfile ${join(context, 'Dockerfile')}: it is a directory\n` +
      '  hint: pass the Dockerfile with -f, relative to the context or absolute',
  );
  const missing = await failure(context, { dockerfile: 'Nope.dockerfile' });
  assert.equal(
    missing.message,
    `cannot read Dockerfile ${join(context, 'Nope.dockerfile')}: no such file`,
  );
});

test('a UTF-16 Dockerfile is named as such rather than as an unknown instruction', async () => {
  const context = await makeContext(fixture, {});
  const text = Buffer.from('\ufeffFROM scratch\n', 'utf16le');
  await writeFile(join(context, 'Dockerfile'), text);
  const error = await failure(context);
  assert.equal(error.code, 'DOCKERFILE_ENCODING');
  assert.equal(
    error.describe(),
    `Dockerfile ${join(context, 'Dockerfile')} is UTF-16 text\n` +
      '  hint: save it as UTF-8, as docker build reads it',
  );
});

test('a --secret file that is missing or a directory fails before any step', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nRUN --mount=type=secret,id=token cat /run/secrets/token\n',
  });
  const hint = 'give src= the file that holds the secret, or env= a variable';
  const missing = join(fixture.dir, 'no-such-secret');
  const events: unknown[] = [];
  const absent = await failure(context, {
    secrets: [{ id: 'token', file: missing }],
    emit: (e) => events.push(e),
  });
  assert.equal(absent.describe(), `--secret token: ${missing} does not exist\n  hint: ${hint}`);
  assert.deepEqual(events, []);
  const folder = await failure(context, { secrets: [{ id: 'token', file: context }] });
  assert.equal(folder.describe(), `--secret token: ${context} is not a file\n  hint: ${hint}`);
});

test('a --build-context folder that is not there fails before any step', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY --from=assets logo.png /\n',
  });
  const hint = 'give NAME=PATH an existing folder, or NAME=docker-image://REF';
  const missing = join(fixture.dir, 'no-such-assets');
  const dir = await failure(context, {
    buildContexts: { assets: { kind: 'dir', path: missing } },
  });
  assert.equal(
    dir.describe(),
    `--build-context assets: ${missing} does not exist\n  hint: ${hint}`,
  );
  const layout = await failure(context, {
    buildContexts: { base: { kind: 'oci-layout', dir: missing } },
  });
  assert.equal(layout.message, `--build-context base: ${missing} does not exist`);
  // Opening the layout did not make an empty one where the user pointed.
  await assert.rejects(stat(missing), { code: 'ENOENT' });
});

test('a push with no -t and a tar output in a folder that is not there fail at once', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM BASE\nRUN true\n' });
  for (const options of [{ push: true }, { outputs: [{ type: 'registry' as const }] }]) {
    const unnamed = await failure(context, options);
    assert.equal(
      unnamed.describe(),
      'a push needs a name for the image\n  hint: give -t REGISTRY/REPOSITORY:TAG',
    );
  }
  const dest = join(fixture.dir, 'no-such-folder', 'image.tar');
  const events: unknown[] = [];
  const archive = await failure(context, {
    outputs: [{ type: 'docker', dest }],
    emit: (e) => events.push(e),
  });
  assert.equal(
    archive.describe(),
    `--output type=docker,dest=${dest}: ${join(fixture.dir, 'no-such-folder')} ` +
      'does not exist\n  hint: create the folder first, or give dest= a path in an existing one',
  );
  // A file where a folder should be: the output's own folder, or the folder of its tarball.
  const file = join(fixture.dir, 'a-file');
  await writeFile(file, 'not a folder\n');
  for (const output of [
    { type: 'local' as const, dest: file },
    { type: 'oci' as const, dest: file, tar: false },
  ]) {
    const notFolder = await failure(context, { outputs: [output] });
    assert.equal(
      notFolder.message,
      `--output type=${output.type},dest=${file}: ${file} is a file, not a folder`,
    );
  }
  const inFile = await failure(context, { outputs: [{ type: 'oci', dest: join(file, 'x.tar') }] });
  assert.equal(
    inFile.message,
    `--output type=oci,dest=${join(file, 'x.tar')}: ${file} is a file, not a folder`,
  );
  const digest = `sha256:${'0'.repeat(64)}`;
  const pinned = await failure(context, { tags: [`${fixture.registry.host}/team/x@${digest}`] });
  assert.equal(
    pinned.message,
    `-t ${fixture.registry.host}/team/x@${digest}: a tag cannot hold a digest`,
  );
  assert.deepEqual(events, []);
  // A tarball cannot be written over a folder: tar=false makes the folder a layout.
  const folder = await failure(context, { outputs: [{ type: 'oci', dest: fixture.dir }] });
  assert.equal(
    folder.describe(),
    `--output type=oci,dest=${fixture.dir}: ${fixture.dir} is a folder, not a file\n` +
      '  hint: give dest= a file for the tarball, or tar=false for an OCI layout folder',
  );
  const piped = await failure(context, { outputs: [{ type: 'tar', dest: '-' }] });
  assert.equal(
    piped.message,
    '--output type=tar,dest=-: this build has no stdout to write the tarball to',
  );
});
