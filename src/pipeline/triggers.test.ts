import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePipeline } from './load.js';
import { evaluateTriggers } from './triggers.js';

const kinds = new Map([['build@maven', { keys: [] }]]);

function triggersOf(lines: string[]) {
  const text = ["version: '1.0'", 'name: t', 'triggers:', ...lines.map((l) => `  ${l}`)];
  text.push('stages:', '  - name: s', '    steps:', '      - {step: build@maven, name: m}');
  return parsePipeline('t.yml', text.join('\n'), kinds).triggers;
}

test('push rules: exclude wins, then precise, prefix, include, regex', () => {
  const triggers = triggersOf([
    'push:',
    '  branches:',
    '    precise: [master]',
    '    prefix: [release/]',
    '    include: [dev, "feature-.*"]',
    '    exclude: [release/old]',
  ]);
  const decide = (branch: string) => evaluateTriggers(triggers, 'push', branch);
  assert.deepEqual(decide('master'), {
    start: true,
    reason: 'branch master matches triggers.push.branches.precise "master" (t.yml:5:5)',
  });
  assert.equal(
    decide('release/2.0').reason.split(' (')[0],
    'branch release/2.0 matches triggers.push.branches.prefix "release/"',
  );
  assert.equal(decide('feature-x').start, true);
  assert.equal(
    decide('release/old').reason.split(' (')[0],
    'branch release/old is excluded by triggers.push.branches.exclude "release/old"',
  );
  assert.equal(decide('topic').start, false);
  assert.equal(evaluateTriggers(triggers, 'pr', 'master').reason, 'no triggers.pr rule');
  assert.equal(evaluateTriggers(triggers, 'manual', 'x').start, true);
});

test('prefix "" matches every branch; trigger: manual ignores events', () => {
  const all = triggersOf(['push:', '  branches:', "    prefix: ['']"]);
  assert.equal(evaluateTriggers(all, 'push', 'anything').start, true);
  const manual = triggersOf(['trigger: manual', 'push:', '  branches: {include: [master]}']);
  assert.deepEqual(evaluateTriggers(manual, 'push', 'master'), {
    start: false,
    reason: 'triggers.trigger is manual: events do not start it',
  });
});

test('commit message rules filter after the branch', () => {
  const triggers = triggersOf([
    'push:',
    '  branches: {precise: [master]}',
    '  commitMessages: {include: ["deploy"], exclude: ["\\\\[skip ci\\\\]"]}',
  ]);
  assert.equal(evaluateTriggers(triggers, 'push', 'master', 'fix: deploy it').start, true);
  assert.equal(evaluateTriggers(triggers, 'push', 'master', 'docs').start, false);
  assert.equal(evaluateTriggers(triggers, 'push', 'master', 'deploy [skip ci]').start, false);
});
