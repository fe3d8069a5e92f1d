import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SlipwayError } from '../errors/index.js';
import { parsePipeline } from './load.js';

// Golden cases: each testdata/invalid/NAME.yml fails with the text in NAME.err.

const invalid = new URL('../../../src/pipeline/testdata/invalid/', import.meta.url);
const kinds = new Map([
  ['build@maven', { keys: ['commands', 'artifacts', 'jdkVersion', 'mavenVersion'] }],
  ['build@nodejs', { keys: ['commands', 'artifacts', 'nodeVersion'] }],
  ['build@docker', { keys: ['repository', 'tag'] }],
]);

for (const name of readdirSync(invalid).filter((n) => n.endsWith('.yml'))) {
  test(`invalid pipeline ${name} fails with its golden error`, () => {
    const text = readFileSync(new URL(name, invalid), 'utf8');
    const expected = readFileSync(new URL(name.replace(/\.yml$/, '.err'), invalid), 'utf8');
    assert.throws(
      () => parsePipeline(name, text, kinds),
      (error: unknown) => {
        assert.ok(error instanceof SlipwayError);
        assert.equal(`${error.describe()}\n`, expected);
        return true;
      },
    );
  });
}

test('a valid pipeline keeps stages, steps, strategies and positions', () => {
  const text = [
    "version: '1.0'",
    'name: demo',
    'displayName: Demo',
    'strategy:',
    '  blocking: true',
    '  stepTimeout: 90s',
    'variables:',
    '  IMAGE_NAME: app',
    'stages:',
    '  - name: build',
    '    strategy: fast',
    '    trigger: manual',
    '    steps:',
    '      - step: build@maven',
    '        name: compile',
    '        commands: [mvn -B package]',
    '        strategy: {retry: "2", timeout: 10}',
    '      - step: build@docker',
    '        name: image',
    '        dependsOn: compile',
    '        repository: ${IMAGE_NAME}',
  ].join('\n');
  const pipeline = parsePipeline('p.yml', text, kinds);
  assert.deepEqual(pipeline.strategy, { blocking: true, stepTimeoutMs: 90_000 });
  assert.equal(pipeline.variables.values.get('IMAGE_NAME')?.value, 'app');
  const [stage] = pipeline.stages;
  assert.equal(stage?.strategy, 'fast');
  assert.equal(stage?.trigger, 'manual');
  const [compile, image] = stage?.steps ?? [];
  assert.deepEqual(compile?.strategy, { retry: 2, timeoutMs: 600_000 });
  assert.deepEqual(compile?.fields, { commands: ['mvn -B package'] });
  assert.deepEqual(image?.dependsOn, ['compile']);
  assert.deepEqual(image?.locate('repository'), { file: 'p.yml', line: 21, column: 21 });
});

test('the nested old form `- stage: {name, steps}` loads too', () => {
  const text = [
    "version: '1.0'",
    'name: demo',
    'stages:',
    '  - stage:',
    '      name: build',
    '      steps:',
    '        - step: build@nodejs',
    '          name: web',
  ].join('\n');
  const pipeline = parsePipeline('p.yml', text, kinds);
  assert.deepEqual(
    pipeline.stages.map((s) => [s.name, s.steps.map((step) => step.name)]),
    [['build', ['web']]],
  );
});
