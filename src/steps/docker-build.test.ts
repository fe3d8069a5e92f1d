import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tar from 'tar';
import type { SlipwayError } from '../errors/index.js';
import { parseDigest } from '../image/digest.js';
import { dockerBuildStep } from './docker-build.js';
import type { BuildImageOptions } from './docker-engine.js';
import { makeSpec, makeTestContext } from './testing.js';

// build@docker's inputs: paths that leave the repository root fail before the
// run at their key, and artifacts given as URLs are fetched and unpacked into
// the repository root before the engine runs.

const DIGEST = parseDigest(`sha256:${'cd'.repeat(32)}`);
const seen: string[] = [];
const step = dockerBuildStep(async (options: BuildImageOptions) => {
  seen.push(await readFile(join(options.contextDir, 'target/app.txt'), 'utf8'));
  return { digest: DIGEST, references: options.tags };
});

const server = createServer(async (request, response) => {
  if (request.url !== '/builds/app.tar.gz') {
    response.writeHead(404).end();
    return;
  }
  const dir = join(root, 'upstream');
  await mkdir(join(dir, 'target'), { recursive: true });
  await writeFile(join(dir, 'target/app.txt'), 'jar from a URL\n');
  response.writeHead(200, { 'content-type': 'application/gzip' });
  tar.c({ gzip: true, cwd: dir, portable: true }, ['target']).pipe(response);
});
const root = await mkdtemp(join(tmpdir(), 'slipway-docker-step-'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(async () => {
  server.close();
  await rm(root, { recursive: true, force: true });
});

const fields = (extra: Record<string, unknown>) => ({
  repository: '127.0.0.1:5999/team',
  tag: 'app:1',
  ...extra,
});

test('a context or dockerfile that leaves the repository root fails at its key', () => {
  for (const [key, path] of [
    ['context', '../elsewhere'],
    ['dockerfile', '../../etc/Dockerfile'],
    ['context', '/abs/../../..'],
  ] as const) {
    const spec = makeSpec('build@docker', fields({ [key]: path }));
    assert.throws(
      () => step.validate?.(spec),
      (error: SlipwayError) => {
        assert.equal(
          error.describe(),
          `pipeline.yml:4:5: ${key} ${path} leaves the repository root\n` +
            '  hint: paths are relative to the repository root and stay inside it',
        );
        return true;
      },
    );
  }
});

test('an artifact given as a URL is fetched and unpacked into the repository root', async () => {
  const context = await makeTestContext();
  try {
    const spec = makeSpec('build@docker', fields({ artifacts: [`${base}/builds/app.tar.gz`] }));
    await step.run(spec, context);
    assert.deepEqual(seen, ['jar from a URL\n']);
    assert.equal(await readFile(join(context.workspace, 'target/app.txt'), 'utf8'), seen[0]);
    assert.equal(context.outputs.get('GITEE_DOCKER_IMAGE'), '127.0.0.1:5999/team/app:1');
  } finally {
    await context.cleanup();
  }
});

test('an artifact URL that does not answer 200 fails the step naming the URL', async () => {
  const context = await makeTestContext();
  try {
    const spec = makeSpec('build@docker', fields({ artifacts: [`${base}/missing.tar.gz`] }));
    await assert.rejects(step.run(spec, context), {
      message: `fetching artifact ${base}/missing.tar.gz: 404 Not Found`,
    });
  } finally {
    await context.cleanup();
  }
});

test("the engine gets the run's masker, so a secret build argument is *** in the history", async () => {
  let redact: BuildImageOptions['redact'];
  const masking = dockerBuildStep(async (options: BuildImageOptions) => {
    redact = options.redact;
    return { digest: DIGEST, references: options.tags };
  });
  const context = await makeTestContext();
  try {
    context.addSecret('hunter2');
    await masking.run(makeSpec('build@docker', fields({})), context);
    assert.equal(
      redact?.('|1 PASSWORD=hunter2 /bin/sh -c make'),
      '|1 PASSWORD=*** /bin/sh -c make',
    );
  } finally {
    await context.cleanup();
  }
});
