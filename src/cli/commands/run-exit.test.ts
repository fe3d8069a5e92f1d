import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// How `slipway run` ends when a step fails or the user presses Ctrl-C: the
// exact lines on stderr, each said once, and the exit status.

const bin = fileURLToPath(new URL('../../../../dist/src/cli/bin.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'slipway-run-exit-'));
after(() => rmSync(root, { recursive: true, force: true }));

function checkout(name: string, commands: string[]): string {
  const repo = join(root, name);
  mkdirSync(join(repo, '.workflow'), { recursive: true });
  const lines = commands.map((c) => `          - ${c}`).join('\n');
  writeFileSync(
    join(repo, '.workflow', `${name}.yml`),
    `version: '1.0'\nname: ${name}\nstages:\n  - name: build\n    steps:\n` +
      `      - step: build@maven\n        name: work\n        commands:\n${lines}\n`,
  );
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  return repo;
}

/** Runs the CLI in `repo`; `onStderr` may act on the text printed so far. */
function slipway(repo: string, onStderr?: (text: string, kill: (s: string) => void) => void) {
  const home = join(repo, '..', `${repo.split('/').pop()}-home`);
  const args = [bin, 'run', '--host-tools', '--progress', 'plain'];
  const child = spawn(process.execPath, args, {
    cwd: repo,
    env: { PATH: process.env.PATH, SLIPWAY_HOME: home, HOME: root },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk;
    onStderr?.(err, (signal) => child.kill(signal as NodeJS.Signals));
  });
  return new Promise<{ status: number | null; out: string; err: string; log: string }>((resolve) =>
    child.on('close', (status) => {
      const pipelines = join(home, 'pipelines');
      const dir = readdirSync(pipelines)[0] ?? '';
      const log = join(pipelines, dir, 'runs', '1', 'steps', 'build', 'work', 'log');
      resolve({ status, out, err, log });
    }),
  );
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  test(`${signal} mid-step stops the run, says so once and exits 130`, async () => {
    const repo = checkout(`stop-${signal.toLowerCase()}`, ['echo started', 'sleep 60']);
    let sent = false;
    const run = await slipway(repo, (text, kill) => {
      if (!sent && text.includes('[work] started')) {
        sent = true;
        kill(signal);
      }
    });
    assert.equal(run.status, 130);
    assert.equal(
      run.err,
      [
        'stage build',
        '[work] start build@maven (attempt 1/1)',
        '[work] started',
        '[work] cancelled',
        'error: run interrupted during step work (build@maven) in stage build',
        `  hint: running steps were stopped; the step's log: ${run.log}`,
        '',
      ].join('\n'),
    );
    assert.equal(
      run.out.split('\n').at(-2),
      `pipeline stop-${signal.toLowerCase()} #1 interrupted`,
    );
  });
}

test('a failing step is told once: step, stage, then its log', async () => {
  const run = await slipway(checkout('fails', ['exit 3']));
  assert.equal(run.status, 1);
  assert.equal(
    run.err,
    [
      'stage build',
      '[work] start build@maven (attempt 1/1)',
      '[work] error: failed: commands exited with status 3',
      'error: step work (build@maven) in stage build failed: commands exited with status 3',
      `  hint: the step's log: ${run.log}`,
      '',
    ].join('\n'),
  );
  assert.equal(run.out.split('\n').at(-2), 'pipeline fails #1 failed');
});

test('--dry-run finds a certificate id the credentials file lacks', () => {
  const repo = join(root, 'cert');
  mkdirSync(join(repo, '.workflow'), { recursive: true });
  writeFileSync(
    join(repo, '.workflow', 'cert.yml'),
    "version: '1.0'\nname: cert\nstages:\n  - name: s\n    steps:\n" +
      '      - step: build@docker\n        name: image\n' +
      '        repository: 127.0.0.1:5000/app\n        tag: v1\n        certificate: regg\n',
  );
  writeFileSync(join(repo, 'creds.yml'), 'reg:\n  type: account\n  username: u\n  password: p\n');
  const run = spawnSync(process.execPath, [bin, 'run', '--dry-run', '--credentials', 'creds.yml'], {
    cwd: repo,
    env: { PATH: process.env.PATH, SLIPWAY_HOME: join(root, 'cert-home') },
  });
  assert.equal(run.status, 2);
  assert.equal(
    String(run.stderr),
    `error: ${join(repo, '.workflow', 'cert.yml')}:10:22: certificate: credential "regg" ` +
      'is not in creds.yml (did you mean "reg"?)\n  hint: known ids: reg\n',
  );
});
