import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkPool } from './work-pool.js';

test('at most `limit` jobs run at once, and done() waits for all of them', async () => {
  const pool = new WorkPool(3);
  let running = 0;
  let most = 0;
  const finished: number[] = [];
  for (let i = 0; i < 10; i++) {
    await pool.add(async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(i % 3);
      running -= 1;
      finished.push(i);
    });
  }
  await pool.done();
  assert.equal(most, 3);
  assert.deepEqual(
    finished.sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
});

test('the first failure stops later adds and is what done() rejects with', async () => {
  const pool = new WorkPool(2);
  let started = 0;
  await pool.add(async () => {
    started += 1;
    await sleep(1);
    throw new Error('first');
  });
  await pool.add(async () => {
    started += 1;
    await sleep(20);
    throw new Error('second');
  });
  await assert.rejects(
    pool.add(async () => {
      started += 1;
    }),
    /first/,
  );
  await assert.rejects(pool.done(), /first/);
  assert.equal(started, 2);
});
