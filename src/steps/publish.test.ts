import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { directoryRepository } from '../pipeline/artifact-repository-dir.js';
import { publishGeneral } from './publish-general.js';
import { publishRelease } from './publish-release.js';
import { makeSpec, makeTestContext, type TestContext } from './testing.js';

async function withContext(work: (context: TestContext, file: string) => Promise<void>) {
  const context = await makeTestContext();
  const file = join(context.stepDir, 'build.tar.gz');
  await writeFile(file, 'jar bytes');
  context.addArtifact({ name: 'BUILD_ARTIFACT', file, step: 'build' });
  try {
    await work(context, file);
  } finally {
    await context.cleanup();
  }
}

function gitInit(dir: string): string {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  git('init', '-q');
  git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'one');
  return git('rev-parse', 'HEAD').trim();
}

test('upload artifact stores each run as a new version in default', () =>
  withContext(async (context) => {
    const spec = makeSpec('publish@general_artifacts', { dependArtifact: 'BUILD_ARTIFACT' });
    await publishGeneral.run(spec, context);
    await publishGeneral.run(spec, context);
    const repo = directoryRepository('default', join(context.stateDir, 'artifacts', 'default'));
    assert.deepEqual(
      (await repo.versions('output')).map((v) => v.version),
      ['1', '2'],
    );
    const stored = context.events.filter((e) => e.kind === 'artifact.stored');
    assert.equal(stored[1]?.message?.startsWith('stored output version 2 in default'), true);
  }));

test('releases count up from 1.0.0.0 and tag the commit', () =>
  withContext(async (context) => {
    const commit = gitInit(context.workspace);
    context.params.set('GITEE_COMMIT', commit);
    const spec = makeSpec('publish@release_artifacts', {
      dependArtifact: 'BUILD_ARTIFACT',
      artifactName: 'output',
    });
    await publishRelease.run(spec, context);
    await publishRelease.run(spec, context);
    assert.equal(context.outputs.get('RELEASE_VERSION'), '1.0.0.1');
    const tags = execFileSync('git', ['-C', context.workspace, 'tag', '--points-at', commit]);
    assert.deepEqual(String(tags).trim().split('\n'), ['v1.0.0.0', 'v1.0.0.1']);
    const repo = directoryRepository('release', join(context.stateDir, 'artifacts', 'release'));
    const dest = join(context.stepDir, 'got');
    await repo.fetch('output', '1.0.0.1', dest);
    assert.equal(await readFile(dest, 'utf8'), 'jar bytes');
  }));

test('a used version without autoIncrement fails the step at the version key', () =>
  withContext(async (context) => {
    const fields = { dependArtifact: 'BUILD_ARTIFACT', version: '2.0.0.0', autoIncrement: false };
    const spec = makeSpec('publish@release_artifacts', fields, 'release');
    await publishRelease.run(spec, context);
    await assert.rejects(publishRelease.run(spec, context), {
      code: 'RELEASE_EXISTS',
      message: 'version 2.0.0.0 is already released in repository release',
    });
    const bumped = makeSpec('publish@release_artifacts', { ...fields, autoIncrement: true });
    await publishRelease.run(bumped, context);
    assert.equal(context.outputs.get('RELEASE_VERSION'), '2.0.0.1');
  }));

test('release takes the latest upload when the name is not a run artifact', () =>
  withContext(async (context) => {
    const upload = { dependArtifact: 'BUILD_ARTIFACT', artifactName: 'app' };
    await publishGeneral.run(makeSpec('publish@general_artifacts', upload), context);
    await publishRelease.run(
      makeSpec('publish@release_artifacts', { dependArtifact: 'app' }),
      context,
    );
    const repo = directoryRepository('release', join(context.stateDir, 'artifacts', 'release'));
    assert.deepEqual(
      (await repo.versions('app')).map((v) => v.version),
      ['1.0.0.0'],
    );
    const missing = makeSpec('publish@release_artifacts', { dependArtifact: 'nothing' }, 'rel');
    await assert.rejects(publishRelease.run(missing, context), {
      message:
        'step "rel": dependArtifact: "nothing" is neither an artifact of this run nor an uploaded artifact',
      location: { file: 'pipeline.yml', line: 2, column: 5 },
    });
  }));

test('a bad version is an error at its key before the run', () => {
  const spec = makeSpec('publish@release_artifacts', { dependArtifact: 'x', version: '1.0' }, 'r');
  assert.throws(() => publishRelease.validate?.(spec), {
    message: 'step "r": version: "1.0" is not four numbers',
    location: { file: 'pipeline.yml', line: 3, column: 5 },
  });
});
