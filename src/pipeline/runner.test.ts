import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { InputError } from '../errors/index.js';
import { Masker } from '../log/index.js';
import { credentialStore } from './credentials.js';
import { parsePipeline } from './load.js';
import type { RunOptions } from './run-options.js';
import { runPipeline } from './runner.js';
import type { StepKind } from './step.js';

// The runner with small step kinds written here: they say, set outputs,
// fail on demand, or wait until they are aborted.

const homes: string[] = [];
after(() => Promise.all(homes.map((home) => rm(home, { recursive: true, force: true }))));

const attemptsSeen = new Map<string, number>();
const fake: StepKind = {
  kinds: ['test@fake'],
  keys: ['say', 'set', 'fail', 'failTimes', 'wait', 'param', 'ask'],
  async run(spec, context) {
    const { say, set, fail, failTimes, wait, param, ask } = spec.fields as Record<string, string>;
    if (ask && !(await context.approve(ask))) throw new Error(`not approved: ${ask}`);
    const attempt = (attemptsSeen.get(spec.name) ?? 0) + 1;
    attemptsSeen.set(spec.name, attempt);
    if (say) context.emit({ kind: 'step.output', message: say });
    if (set)
      for (const pair of set.split(','))
        context.setOutput(...(pair.split('=') as [string, string]));
    if (param) await appendFile(context.paramsFile ?? '', `${param}\n`);
    if (wait) {
      await new Promise((_, reject) => {
        if (context.signal.aborted) reject(context.signal.reason);
        context.signal.addEventListener('abort', () => reject(context.signal.reason));
      });
    }
    if (fail || (failTimes && attempt <= Number(failTimes)))
      throw new Error(`failed on purpose (${attempt})`);
  },
};
const kinds = new Map([['test@fake', fake]]);

async function options(lines: string[], extra: Partial<RunOptions> = {}): Promise<RunOptions> {
  const home = await mkdtemp(join(tmpdir(), 'slipway-runner-'));
  homes.push(home);
  const text = ["version: '1.0'", `name: t${homes.length}`, ...lines].join('\n');
  const events: string[] = [];
  return {
    pipeline: parsePipeline('t.yml', text, kinds),
    kinds: [fake],
    workspace: home,
    home,
    checkout: {
      branch: 'main',
      commit: 'abcdef0123456789',
      commitMessage: 'msg',
      repoPath: 'o/r',
      repoUrl: '',
      author: 'a',
    },
    projectVariables: new Map(),
    cliVariables: new Map(),
    env: {},
    credentials: credentialStore(new Map()),
    masker: new Masker(),
    emit: (event) => events.push(event.message ?? event.kind),
    triggerUser: 'tester',
    event: 'manual',
    ...extra,
  };
}

const summary = (report: Awaited<ReturnType<typeof runPipeline>>) =>
  report.steps.map((s) => `${s.name}:${s.status}${s.reason ? ` (${s.reason})` : ''}`);

test('outputs flow along dependsOn and to later stages, not to parallel steps', async () => {
  const lines = [
    'stages:',
    '  - name: one',
    '    steps:',
    '      - {step: test@fake, name: a, set: "X=from-a"}',
    '      - {step: test@fake, name: b, dependsOn: a, say: "b sees ${X} #${GITEE_PIPELINE_BUILD_NUMBER}"}',
    '      - {step: test@fake, name: c, say: "c sees ${X}"}',
    '  - name: two',
    '    steps:',
    '      - {step: test@fake, name: d, say: "${X} in ${GITEE_STAGE_NAME}", set: "Y=${X}!"}',
  ];
  // c runs beside a, so it cannot see X: found before any step starts.
  const early = await runPipeline(await options(lines)).catch((error: InputError) => error);
  assert.equal(
    (early as InputError).describe().split('\n')[0],
    't.yml:8:41: say: parameter X is not defined',
  );
  lines.splice(5, 1);
  const report = await runPipeline(await options(lines));
  assert.deepEqual(summary(report), ['a:success', 'b:success', 'd:success']);
  assert.equal(
    await readFile(report.steps[1]?.log ?? '', 'utf8').then((t) => t.split('\n')[1]),
    'b sees from-a #1',
  );
  assert.equal(
    await readFile(report.steps[2]?.log ?? '', 'utf8').then((t) => t.split('\n')[1]),
    'from-a in two',
  );
});

test('a later stage reads outputs and GITEE_PARAMS of an earlier one', async () => {
  const report = await runPipeline(
    await options([
      'stages:',
      '  - name: one',
      '    steps:',
      '      - {step: test@fake, name: a, set: "X=x1", param: "P=from-params"}',
      '  - name: two',
      '    steps:',
      '      - {step: test@fake, name: d, set: "Y=${X}/${P}/${GITEE_STAGE_NAME}"}',
    ]),
  );
  assert.deepEqual(summary(report), ['a:success', 'd:success']);
  assert.deepEqual(report.steps[1]?.outputs, { Y: 'x1/from-params/two' });
});

test('fast stops the rest of the stage; naturally lets it finish', async () => {
  const stage = (strategy: string) => [
    'stages:',
    '  - name: one',
    `    strategy: ${strategy}`,
    '    steps:',
    '      - {step: test@fake, name: bad, fail: "yes"}',
    '      - {step: test@fake, name: slow, wait: "yes", strategy: {timeout: 400ms}}',
    '      - {step: test@fake, name: next, dependsOn: bad}',
  ];
  const fast = await runPipeline(await options(stage('fast')));
  assert.deepEqual(summary(fast), [
    'bad:failed',
    'slow:cancelled',
    'next:skipped (bad did not succeed)',
  ]);
  const natural = await runPipeline(await options(stage('naturally')));
  assert.deepEqual(summary(natural), [
    'bad:failed',
    'slow:timeout',
    'next:skipped (bad did not succeed)',
  ]);
  assert.equal(natural.steps[1]?.error, 'timed out after 0.4s');
  assert.equal(natural.failure?.step, 'bad');
});

test('retry runs a failing step again and counts the retries', async () => {
  const report = await runPipeline(
    await options([
      'stages:',
      '  - name: one',
      '    steps:',
      '      - {step: test@fake, name: flaky, failTimes: "2", strategy: {retry: 2}}',
    ]),
  );
  assert.deepEqual(summary(report), ['flaky:success']);
  assert.equal(report.steps[0]?.retries, 2);
});

test('a step asks for approval: --approve STEP answers yes, else the terminal', async () => {
  const lines = [
    'stages:',
    '  - name: s',
    '    steps:',
    '      - {step: test@fake, name: roll, ask: more?}',
  ];
  const base = await options(lines);
  const refused = await runPipeline(base);
  assert.equal(refused.steps[0]?.error, 'not approved: more?');
  assert.deepEqual(summary(await runPipeline({ ...base, approvals: ['roll'] })), ['roll:success']);
  const asked: string[] = [];
  const ask = async (question: string) => asked.push(question) > 0;
  assert.deepEqual(summary(await runPipeline({ ...base, ask })), ['roll:success']);
  assert.deepEqual(asked, ['more?']);
});

test('a manual stage waits for --approve; the build number counts up', async () => {
  const lines = [
    'stages:',
    '  - name: gate',
    '    trigger: manual',
    '    steps:',
    '      - {step: test@fake, name: a}',
  ];
  const base = await options(lines);
  const waiting = await runPipeline(base);
  assert.equal(
    waiting.failure?.message,
    'stage gate has trigger: manual and waits for approval: run again with --approve gate',
  );
  const approved = await runPipeline({ ...base, approvals: ['gate'] });
  assert.deepEqual(summary(approved), ['a:success']);
  assert.deepEqual([waiting.buildNumber, approved.buildNumber], [1, 2]);
});

test('a blocking pipeline refuses to overlap a live run', async () => {
  const base = await options([
    'strategy: {blocking: true}',
    'stages:',
    '  - name: s',
    '    steps:',
    '      - {step: test@fake, name: a}',
  ]);
  const first = await runPipeline(base);
  const lock = join(first.runDir, '..', '..', 'run.lock');
  await writeFile(lock, JSON.stringify({ pid: process.pid, buildNumber: 7 }));
  await assert.rejects(runPipeline(base), /pipeline is blocking and run #7 is still running/);
  await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 1, buildNumber: 8 }));
  assert.equal((await runPipeline(base)).status, 'success');
});

test('--step runs only the named steps; secrets are masked in outputs and logs', async () => {
  const report = await runPipeline(
    await options(
      [
        'stages:',
        '  - name: s',
        '    steps:',
        '      - {step: test@fake, name: a, say: "pw=${DB_PASSWORD}", set: "T=${DB_PASSWORD}"}',
        '      - {step: test@fake, name: b}',
      ],
      { steps: ['a'], cliVariables: new Map([['DB_PASSWORD', 'hunter2-secret']]) },
    ),
  );
  assert.deepEqual(summary(report), ['a:success', 'b:skipped (not selected)']);
  assert.deepEqual(report.steps[0]?.outputs, { T: '***' });
  assert.equal((await readFile(report.steps[0]?.log ?? '', 'utf8')).includes('hunter2'), false);
});

test('--stage runs only the named stages; a misspelt one is refused with a suggestion', async () => {
  const lines = [
    'stages:',
    '  - name: compile',
    '    steps:',
    '      - {step: test@fake, name: a}',
    '  - name: package',
    '    displayName: Package',
    '    steps:',
    '      - {step: test@fake, name: b}',
  ];
  const report = await runPipeline(await options(lines, { stages: ['Package'] }));
  assert.deepEqual(summary(report), ['a:skipped (not selected)', 'b:success']);
  await assert.rejects(runPipeline(await options(lines, { stages: ['pakage'] })), {
    message: '--stage pakage: no such stage (did you mean "package"?)',
  });
});

test("the pipeline's stepTimeout bounds every step without a timeout of its own", async () => {
  const report = await runPipeline(
    await options([
      'strategy: {stepTimeout: 300ms}',
      'stages:',
      '  - name: s',
      '    steps:',
      '      - {step: test@fake, name: waits, wait: "yes"}',
      '      - {step: test@fake, name: own, wait: "yes", strategy: {timeout: 500ms}}',
    ]),
  );
  assert.deepEqual(
    report.steps.map((s) => [s.name, s.status, s.error]),
    [
      ['waits', 'timeout', 'timed out after 0.3s'],
      ['own', 'timeout', 'timed out after 0.5s'],
    ],
  );
});

test("a step's log file has its output without ANSI escapes; the event keeps them", async () => {
  const seen: string[] = [];
  const report = await runPipeline(
    await options(
      [
        'stages:',
        '  - name: s',
        '    steps:',
        '      - step: test@fake',
        '        name: maven',
        '        say: "[\\e[1;34mINFO\\e[m] BUILD \\e[1;32mSUCCESS\\e[0m"',
      ],
      { emit: (event) => seen.push(event.message ?? event.kind) },
    ),
  );
  const log = await readFile(report.steps[0]?.log ?? '', 'utf8');
  assert.equal(log.split('\n')[1], '[INFO] BUILD SUCCESS');
  assert.equal(log.includes('\u001b'), false);
  assert.ok(
    seen.includes('[\u001b[1;34mINFO\u001b[m] BUILD \u001b[1;32mSUCCESS\u001b[0m'),
    seen.join('|'),
  );
});
