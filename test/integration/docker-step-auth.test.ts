import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runSlipway } from '../harness/example.js';
import { type RegistryHandle, startRegistry } from '../harness/registry.js';

// build@docker against docker-registry with basic auth and a wrong password:
// the hint points at the step's credential (not `slipway login`), and no
// password, right or wrong, appears in anything slipway printed.

let dir: string;
let registry: RegistryHandle;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-docker-auth-'));
  registry = await startRegistry('basic');
});
after(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

const WRONG = 'wrong-Passw0rd-xyz';

async function pipelineRun(name: string, login: string, credentials?: string) {
  const repo = join(dir, name);
  await mkdir(join(repo, '.workflow'), { recursive: true });
  await writeFile(join(repo, 'a.txt'), 'a\n');
  await writeFile(join(repo, 'Dockerfile'), 'FROM scratch\nCOPY a.txt /\n');
  const file = join(repo, '.workflow', `${name}.yml`);
  await writeFile(
    file,
    `version: '1.0'\nname: ${name}\nstages:\n  - name: image\n    steps:\n` +
      `      - step: build@docker\n        name: push\n` +
      `        repository: ${registry.host}/team/app\n        tag: v1\n${login}`,
  );
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  const args = ['run', '--progress', 'plain'];
  if (credentials) {
    await writeFile(join(repo, 'creds.yml'), credentials);
    args.push('--credentials', 'creds.yml');
  }
  const env = { PATH: process.env.PATH, HOME: dir, SLIPWAY_HOME: join(dir, `${name}-home`) };
  const run = await runSlipway(args, repo, env);
  const all = `${run.stdout}\n${run.stderr}`;
  assert.equal(all.includes(WRONG), false, 'the wrong password leaked');
  assert.equal(all.includes(registry.password ?? '?'), false, 'the password leaked');
  return { ...run, file, lines: run.stderr.trim().split('\n') };
}

test('a wrong password in the step: check the step, not slipway login', async () => {
  const run = await pipelineRun(
    'account',
    `        username: ${registry.username}\n        password: ${WRONG}\n`,
  );
  assert.equal(run.status, 1);
  const hint = run.lines.filter((line) => line.includes('hint:'));
  assert.deepEqual(hint, [`  hint: check the step's username and password for ${registry.host}`]);
  assert.equal(run.stderr.includes('slipway login'), false, run.stderr);
});

test('a wrong password behind certificate: names the credential id', async () => {
  const run = await pipelineRun(
    'cert',
    '        type: cert\n        certificate: reg\n',
    `reg:\n  type: account\n  username: ${registry.username}\n  password: ${WRONG}\n`,
  );
  assert.equal(run.status, 1);
  const hint = run.lines.filter((line) => line.includes('hint:'));
  assert.deepEqual(hint, [
    `  hint: check credential "reg" in the credentials file: its username and password for ${registry.host}`,
  ]);
  assert.equal(run.stderr.includes('slipway login'), false, run.stderr);
});
