import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SlipwayError } from '../errors/index.js';
import { loadCredentials } from './credentials.js';

// The credentials file's errors: a missing file says what to pass, a file that
// is not YAML names the line without quoting it (it may hold a password).

const dir = await mkdtemp(join(tmpdir(), 'slipway-credentials-'));
after(() => rm(dir, { recursive: true, force: true }));

test('a missing credentials file names it and says what it holds', async () => {
  const file = join(dir, 'missing.yml');
  await assert.rejects(loadCredentials(file), (error: SlipwayError) => {
    assert.equal(
      error.describe(),
      `reading credentials file ${file}: no such file\n` +
        '  hint: pass --credentials FILE, a YAML map of id to {type: account, username, password}',
    );
    return true;
  });
});

test('a credentials file that is not YAML names the line, not its text', async () => {
  const file = join(dir, 'broken.yml');
  await writeFile(file, 'registry:\n  password: "hunter2\n  username: ci\n');
  await assert.rejects(loadCredentials(file), (error: SlipwayError) => {
    assert.equal(error.message, `credentials file ${file} is not valid YAML or JSON`);
    assert.equal(error.describe().includes('hunter2'), false);
    assert.match(error.hint ?? '', /^see line \d+$/);
    return true;
  });
});
