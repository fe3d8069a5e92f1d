import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parsePipeline } from '../pipeline/load.js';
import { stepKinds } from './index.js';

// Pipeline files from public repositories (sources in each file's header)
// load with slipway's step kinds.

const real = new URL('../../../src/pipeline/testdata/real/', import.meta.url);
const kinds = new Map(stepKinds.flatMap((kind) => kind.kinds.map((name) => [name, kind])));

function load(name: string) {
  return parsePipeline(name, readFileSync(new URL(name, real), 'utf8'), kinds);
}

const shape = (name: string) =>
  load(name).stages.map((stage) => [
    stage.name,
    stage.steps.map(
      (step) => `${step.step} ${step.name}${step.dependsOn.map((d) => ` <- ${d}`).join('')}`,
    ),
  ]);

test('the old `- stage:` form with dependsOn (JoveFast)', () => {
  assert.deepEqual(shape('jovefast-old-stage-form.yml'), [
    [
      'compile',
      [
        'build@maven build_maven',
        'publish@general_artifacts publish_general_artifacts <- build_maven',
      ],
    ],
    ['release', ['publish@release_artifacts publish_release_artifacts']],
  ]);
  const maven = load('jovefast-old-stage-form.yml').stages[0]?.steps[0];
  assert.deepEqual(maven?.fields.artifacts, [{ name: 'BUILD_ARTIFACT', path: ['./target'] }]);
  assert.equal(maven?.fields.jdkVersion, 17);
});

test('build@docker with every form field, and a dependsOn chain (cloud-server)', () => {
  assert.deepEqual(shape('cloud-server-docker.yml')[0], [
    'compile',
    [
      'build@docker build_docker',
      'publish@general_artifacts publish_general_artifacts <- build_docker',
      'rolling@agent rolling_deploy <- publish_general_artifacts',
    ],
  ]);
});

test('notify, caches and a review step (gin-blog); variables (baize); globals (hexo)', () => {
  const gin = load('gin-blog-golang-notify.yml');
  assert.equal((gin.stages[0]?.steps[0]?.notify[0] as { type: string }).type, 'dingtalk');
  assert.equal(gin.stages[1]?.steps[0]?.step, 'tool@review');
  const baize = load('baize-variables-deploy.yml');
  assert.deepEqual([...baize.variables.values.keys()], ['GO111MODULE', 'GOPROXY']);
  const hexo = load('hexo-global-prefix.yml');
  assert.deepEqual(
    hexo.variables.global.map((g) => g.name),
    ['accessToken', 'hostName', 'repoPath', 'userName'],
  );
  assert.deepEqual(hexo.triggers?.push?.branches?.prefix, ['']);
  assert.deepEqual(hexo.stages[0]?.steps[0]?.caches, ['~/.npm', '~/.yarn']);
});
