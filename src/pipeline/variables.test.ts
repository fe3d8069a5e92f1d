import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InputError } from '../errors/index.js';
import type { Variables } from './model.js';
import { loadVarsFile, resolveVariables } from './variables.js';

// Where parameters come from: `--var` over the pipeline's `variables` over
// the project variables; `global:` names from the project or the environment.

const at = (line: number) => ({ file: 'p.yml', line, column: 5 });
const variables: Variables = {
  values: new Map([
    ['IMAGE', { value: '${REGISTRY}/app:${GITEE_PIPELINE_BUILD_NUMBER}', where: at(3) }],
    ['MODE', { value: 'pipeline', where: at(4) }],
  ]),
  global: [
    { name: 'REGISTRY', where: at(6) },
    { name: 'DEPLOY_TOKEN', where: at(7) },
  ],
};
const system = new Map([['GITEE_PIPELINE_BUILD_NUMBER', '12']]);

test('globals come from the project file, else the environment; --var wins over all', () => {
  const resolved = resolveVariables(variables, {
    system,
    project: new Map([
      ['REGISTRY', { value: 'reg.example.com', secret: false }],
      ['MODE', { value: 'project', secret: false }],
    ]),
    cli: new Map([['MODE', 'cli']]),
    env: { DEPLOY_TOKEN: 'tok-from-env', REGISTRY: 'ignored.example.com' },
  });
  assert.deepEqual(Object.fromEntries(resolved.values), {
    REGISTRY: 'reg.example.com',
    MODE: 'cli',
    DEPLOY_TOKEN: 'tok-from-env',
    IMAGE: 'reg.example.com/app:12',
  });
  assert.deepEqual([...resolved.secrets], ['tok-from-env']);
});

test('a global that is nowhere set is an error at its line, saying where to set it', () => {
  assert.throws(
    () =>
      resolveVariables(variables, {
        system,
        project: new Map(),
        cli: new Map([['REGISTRY', 'r.example.com']]),
        env: {},
      }),
    (error: InputError) => {
      assert.equal(
        error.describe(),
        'p.yml:7:5: global variable DEPLOY_TOKEN is not set\n' +
          '  hint: add it to the --vars-file, export DEPLOY_TOKEN=..., ' +
          'or pass --var DEPLOY_TOKEN=...',
      );
      return true;
    },
  );
});

test('a missing --vars-file says so and what the file holds', async () => {
  await assert.rejects(loadVarsFile('/nonexistent/vars.yml'), (error: InputError) => {
    assert.equal(
      error.describe(),
      'reading variables file /nonexistent/vars.yml: no such file\n' +
        '  hint: pass --vars-file FILE, a YAML or JSON map of NAME: value',
    );
    return true;
  });
});
