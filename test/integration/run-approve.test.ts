import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { runSlipway } from '../harness/example.js';
import { runOnTerminal } from '../harness/pty.js';

// A `trigger: manual` stage as a person meets it: `slipway run` on a real
// terminal asks and waits; without one (CI) it says to pass --approve.

const run = promisify(execFile);
const PROMPT = 'stage release is manual: run it now? [y/N] ';
let root: string;
let repo: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-run-approve-'));
  repo = join(root, 'repo');
  await mkdir(join(repo, '.workflow'), { recursive: true });
  await writeFile(
    join(repo, '.workflow', 'gate.yml'),
    [
      'version: "1.0"',
      'name: gate',
      'stages:',
      '  - name: build',
      '    steps:',
      '      - {step: build@nodejs, name: first, nodeVersion: 20, commands: [echo one > first.txt]}',
      '  - name: release',
      '    trigger: manual',
      '    steps:',
      '      - {step: build@nodejs, name: gated, nodeVersion: 20, commands: [echo two > gated.txt]}',
      '',
    ].join('\n'),
  );
  const git = (...args: string[]) => run('git', args, { cwd: repo });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', 'commit', '-qm', 'init');
  env = { PATH: process.env.PATH, HOME: root, SLIPWAY_HOME: join(root, 'state'), TERM: 'dumb' };
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const args = ['run', '.workflow/gate.yml', '--host-tools', '--progress', 'plain'];
const clean = () =>
  Promise.all(['first.txt', 'gated.txt'].map((f) => rm(join(repo, f), { force: true })));

test('on a terminal a manual stage asks after the stage before it; y runs it', async () => {
  await clean();
  const result = await runOnTerminal(args, repo, env, [{ prompt: PROMPT, type: 'y\n' }]);
  assert.equal(result.status, 0, result.screen);
  assert.equal(result.typed, 1);
  const screen = result.screen;
  const asked = screen.indexOf(PROMPT);
  assert.ok(screen.indexOf('[first] start build@nodejs') < asked, screen);
  assert.ok(screen.indexOf('[gated] start build@nodejs') > asked, screen);
  assert.equal(screen.split(PROMPT).length, 2, 'asked exactly once');
  assert.equal(await readFile(join(repo, 'gated.txt'), 'utf8'), 'two\n');
});

test('answering n stops the run with a clear message and a non-zero exit', async () => {
  await clean();
  const result = await runOnTerminal(args, repo, env, [{ prompt: PROMPT, type: 'n\n' }]);
  assert.equal(result.status, 1, result.screen);
  assert.equal(result.typed, 1);
  assert.ok(
    result.screen.includes(
      'error: stage release was not approved at the prompt: it and later stages did not run',
    ),
    result.screen,
  );
  assert.equal(await readFile(join(repo, 'first.txt'), 'utf8'), 'one\n');
  await assert.rejects(readFile(join(repo, 'gated.txt')), { code: 'ENOENT' });
});

test('without a terminal a manual stage fails, saying to pass --approve STAGE', async () => {
  await clean();
  const result = await runSlipway(args, repo, env);
  assert.equal(result.status, 1);
  assert.ok(!result.stderr.includes(PROMPT));
  assert.ok(
    result.stderr.includes(
      'error: stage release has trigger: manual and waits for approval: run again with --approve release',
    ),
    result.stderr,
  );
  await assert.rejects(readFile(join(repo, 'gated.txt')), { code: 'ENOENT' });
  const approved = await runSlipway([...args, '--approve', 'release'], repo, env);
  assert.equal(approved.status, 0, approved.stderr);
  assert.equal(await readFile(join(repo, 'gated.txt'), 'utf8'), 'two\n');
});
