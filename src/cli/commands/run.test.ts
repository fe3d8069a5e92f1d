import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// `slipway run` as a user runs it: a git checkout with .workflow/, secrets
// from --var, a variables file and a credentials file. No secret may appear
// in stdout, stderr, the report or any log the run keeps.

const bin = fileURLToPath(new URL('../../../../dist/src/cli/bin.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'slipway-run-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SECRETS = ['pw-Very-Secret-1', 'note-secret-22', 'cred-secret-333', 'inline-secret-4444'];
const repo = join(root, 'repo');
const home = join(root, 'home');
mkdirSync(join(repo, '.workflow'), { recursive: true });
writeFileSync(
  join(repo, '.workflow', 'master-pipeline.yml'),
  `version: '1.0'
name: master-pipeline
displayName: Masking
triggers:
  push:
    branches:
      include: [main, 'release-.*']
      exclude: [release-old]
variables:
  NAME_IN_FILE: plain-value
stages:
  - name: build
    steps:
      - step: build@maven
        name: leak_everything
        commands:
          - echo "pw is $REGISTRY_PASSWORD and \${DEPLOY_NOTE}"
          - echo "note $DEPLOY_NOTE" >&2
          - echo "LEAK=$REGISTRY_PASSWORD" >> $GITEE_PARAMS
      - step: build@maven
        name: fail_loudly
        dependsOn: leak_everything
        commands:
          - echo "about to fail with $LEAK" >&2
          - exit 3
      - step: build@docker
        name: image
        repository: 127.0.0.1:5999/team/app
        username: ci
        password: inline-secret-4444
        tag: \${GITEE_PIPELINE_BUILD_NUMBER}
`,
);
writeFileSync(join(root, 'vars.yml'), 'DEPLOY_NOTE: {value: note-secret-22, secret: true}\n');
writeFileSync(
  join(root, 'creds.yml'),
  'reg:\n  type: account\n  username: ci\n  password: cred-secret-333\n',
);
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
git('init', '-q', '-b', 'main');
git(
  '-c',
  'user.name=T',
  '-c',
  'user.email=t@example.com',
  'commit',
  '-q',
  '--allow-empty',
  '-m',
  'first',
);

function slipway(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'run', ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH, SLIPWAY_HOME: home, HOME: root },
    encoding: 'utf8',
  });
  return { status: result.status, out: result.stdout, err: result.stderr };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const secretFlags = [
  '--var',
  `REGISTRY_PASSWORD=${SECRETS[0]}`,
  '--vars-file',
  '../vars.yml',
  '--credentials',
  '../creds.yml',
];

test('a failing run names the step, masks every secret everywhere', () => {
  const report = join(root, 'report.json');
  const run = slipway(...secretFlags, '--progress', 'plain', '--report', report, '--host-tools');
  assert.equal(run.status, 1);
  const lastLine = run.err
    .trim()
    .split('\n')
    .find((l) => l.startsWith('error:'));
  assert.equal(
    lastLine,
    'error: step fail_loudly (build@maven) in stage build failed: commands exited with status 3',
  );
  assert.match(run.err, /\[leak_everything\] pw is \*\*\* and \*\*\*/);
  assert.match(run.err, /about to fail with \*\*\*/);
  const texts = [
    run.out,
    run.err,
    readFileSync(report, 'utf8'),
    ...filesUnder(home).map((f) => readFileSync(f, 'utf8')),
  ];
  for (const secret of SECRETS) {
    assert.equal(texts.filter((t) => t.includes(secret)).length, 0, `${secret} leaked`);
  }
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
    steps: Array<{ name: string; status: string; outputs: object }>;
  };
  assert.deepEqual(
    parsed.steps.map((s) => `${s.name}:${s.status}`),
    ['leak_everything:success', 'fail_loudly:failed', 'image:failed'],
  );
  assert.deepEqual(parsed.steps[0]?.outputs, { LEAK: '***' });
});

test('--dry-run prints the plan with parameters resolved and secrets masked', () => {
  const run = slipway(...secretFlags, '--dry-run');
  assert.equal(run.status, 0, run.err);
  const lines = run.out.split('\n');
  // The first test's run, another process, was #1: the number is kept on disk.
  assert.equal(
    lines[0],
    `pipeline master-pipeline (${join(repo, '.workflow/master-pipeline.yml')}), next build #2`,
  );
  assert.ok(lines.includes('  REGISTRY_PASSWORD=***'));
  assert.ok(lines.includes('  DEPLOY_NOTE=***'));
  assert.ok(lines.includes('  NAME_IN_FILE=plain-value'));
  assert.ok(lines.includes('  GITEE_BRANCH=main'));
  assert.ok(lines.includes('  2. fail_loudly build@maven, after leak_everything, retry 0'));
  assert.ok(lines.includes('       password: ***'));
  for (const secret of SECRETS) assert.equal(run.out.includes(secret), false);
});

test('--event and --branch say whether the pipeline would start and why', () => {
  const yes = slipway('--event', 'push', '--branch', 'release-2', '--dry-run');
  assert.equal(
    yes.out.split('\n')[0],
    'push on release-2: would start: branch release-2 matches triggers.push.branches.include "release-.*" (.workflow/master-pipeline.yml:6:5)'.replace(
      '.workflow',
      join(repo, '.workflow'),
    ),
  );
  const no = slipway('--event', 'push', '--branch', 'release-old');
  assert.equal(no.status, 0);
  assert.match(
    no.out,
    /^push on release-old: would not start: branch release-old is excluded by triggers\.push\.branches\.exclude "release-old"/,
  );
});
