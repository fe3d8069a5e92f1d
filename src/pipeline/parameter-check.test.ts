import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InputError } from '../errors/index.js';
import { parsePipeline } from './load.js';
import { checkParameters } from './parameter-check.js';
import type { StepKind } from './step.js';

// Undefined parameters are found before the run: with file, line, column
// and a "did you mean"; after a shell step, only a warning.

const image: StepKind = {
  kinds: ['test@image'],
  keys: ['tag', 'alias'],
  outputs: (spec) => [String(spec.fields.alias ?? 'IMAGE')],
  run: async () => {},
};
const shell: StepKind = {
  kinds: ['test@shell'],
  keys: ['commands', 'tag'],
  rawKeys: ['commands'],
  outputs: () => [],
  run: async () => {},
};
const kinds = new Map([
  ['test@image', image],
  ['test@shell', shell],
]);

function check(steps: string[]): string[] {
  const text = ["version: '1.0'", 'name: p', 'stages:', ...steps].join('\n');
  const pipeline = parsePipeline('p.yml', text, kinds);
  const warnings: string[] = [];
  checkParameters({
    stages: pipeline.stages,
    kinds,
    known: () => new Set(['GITEE_BRANCH', 'VERSION']),
    checked: () => true,
    emit: (event) => warnings.push(event.message ?? ''),
  });
  return warnings;
}

const problem = (steps: string[]) => {
  try {
    check(steps);
    return 'no error';
  } catch (error) {
    return (error as InputError).describe();
  }
};

test('a name defined nowhere is an error at its place, with a suggestion', () => {
  assert.equal(
    problem(['  - name: s', '    steps:', '      - {step: test@image, name: a, tag: "${VERSIN}"}']),
    'p.yml:6:42: tag: parameter VERSIN is not defined (did you mean "VERSION"?)\n' +
      '  hint: set it in variables:, with --var VERSIN=... or --vars-file, or as an output of an earlier step',
  );
});

test('declared outputs of earlier steps and stages count; parallel ones do not', () => {
  const ok = check([
    '  - name: s',
    '    steps:',
    '      - {step: test@image, name: a, alias: API}',
    '      - {step: test@image, name: b, dependsOn: a, tag: "$API-${GITEE_BRANCH}"}',
    '  - name: t',
    '    steps:',
    '      - {step: test@image, name: c, tag: "${API}"}',
  ]);
  assert.deepEqual(ok, []);
  assert.equal(
    problem([
      '  - name: s',
      '    steps:',
      '      - {step: test@image, name: a, alias: API}',
      '      - {step: test@image, name: b, tag: "${API}"}',
    ]),
    'p.yml:7:42: tag: parameter API is not defined\n' +
      '  hint: set it in variables:, with --var API=... or --vars-file, or as an output of an earlier step',
  );
});

test("shell text is the shell's; after a shell step an unknown name only warns", () => {
  const warnings = check([
    '  - name: s',
    '    steps:',
    '      - {step: test@shell, name: sh, commands: ["echo $HOME ${UNSET}"]}',
    '  - name: t',
    '    steps:',
    '      - {step: test@image, name: b, tag: "${FROM_SHELL}"}',
  ]);
  assert.deepEqual(warnings, [
    'p.yml:9:42: tag: parameter FROM_SHELL is not defined before the run; step sh may set it at run time',
  ]);
});
