import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planStack } from './overlay.js';

test('a chain that fits stays one group', () => {
  assert.deepEqual(planStack(['a', 'b', 'c'], 100), [['a', 'b', 'c']]);
});

test('a long chain splits at the limit, keeping order', () => {
  const dirs = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'];
  assert.deepEqual(planStack(dirs, 10), [['aaaa', 'bbbb'], ['cccc', 'dddd'], ['eeee']]);
});

test('a single folder longer than the limit still gets its own group', () => {
  assert.deepEqual(planStack(['x'.repeat(20), 'y'], 10), [['x'.repeat(20)], ['y']]);
});
