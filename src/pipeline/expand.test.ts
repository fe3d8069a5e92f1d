import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError } from '../errors/index.js';
import { expandShell, expandString, expandValue, referencedNames } from './expand.js';

const params = new Map([
  ['TAG', '1.4'],
  ['NAME', 'app'],
]);
const lookup = (name: string) => params.get(name);
const site = { field: 'tag', where: { file: 'p.yml', line: 7, column: 14 } };

test('${X} and $X expand; $$ is a dollar; other dollars stay', () => {
  assert.equal(expandString('${NAME}:$TAG', lookup, site), 'app:1.4');
  assert.equal(expandString('cost $$5, $(date) $1 $ x', lookup, site), 'cost $5, $(date) $1 $ x');
});

test('an undefined parameter names the field and its position', () => {
  assert.throws(
    () => expandString('v${MISSING}', lookup, site),
    (error: unknown) => {
      assert.ok(error instanceof SlipwayError);
      assert.equal(
        error.describe().split('\n')[0],
        'p.yml:7:14: tag: parameter MISSING is not defined',
      );
      return true;
    },
  );
});

test('values expand through lists and maps, naming nested fields', () => {
  assert.deepEqual(expandValue({ a: ['$NAME', 3], b: { c: '${TAG}' } }, lookup, site), {
    a: ['app', 3],
    b: { c: '1.4' },
  });
  assert.throws(
    () => expandValue({ args: ['$NOPE'] }, lookup, site),
    /tag\.args\[0\]: parameter NOPE/,
  );
});

test('lenient expansion keeps unknown names for the plan', () => {
  assert.equal(
    expandString('${OUT}-$TAG', lookup, site, (n) => `\${${n}}`),
    '${OUT}-1.4',
  );
  assert.deepEqual(referencedNames('${A} $B $$C ${D}'), ['A', 'B', 'D']);
});

test('shell text gets known parameters and keeps the rest for the shell', () => {
  const text = 'PID=$(pgrep app); echo $PID ${TAG} ${X:-y} $$ $NAME';
  assert.equal(expandShell(text, lookup), 'PID=$(pgrep app); echo $PID 1.4 ${X:-y} $$ app');
});
