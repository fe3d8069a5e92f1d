import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Masker } from '../log/index.js';
import { makeRenderer, type ProgressMode } from './render.js';

// What the renderer writes for a step's coloured output line, by mode and by
// whether the stream is a terminal.

const line = '\u001b[1;34mINFO\u001b[0m pw=hunter2';

function rendered(mode: ProgressMode, isTTY: boolean): string {
  let written = '';
  const stream = { isTTY, write: (text: string) => (written += text) };
  const masker = new Masker();
  masker.add('hunter2');
  const emit = makeRenderer(mode, masker, stream as unknown as NodeJS.WriteStream);
  emit({ kind: 'build.step.output', level: 'info', message: `#3 0.101 ${line}` });
  emit({ kind: 'build.step.error', level: 'error', message: `#3 ERROR: ${line}` });
  return written;
}

test('plain and quiet lines lose escapes when the stream is not a terminal', () => {
  assert.equal(rendered('plain', false), '#3 0.101 INFO pw=***\nerror: #3 ERROR: INFO pw=***\n');
  assert.equal(rendered('auto', false), '#3 0.101 INFO pw=***\nerror: #3 ERROR: INFO pw=***\n');
  assert.equal(rendered('quiet', false), 'error: #3 ERROR: INFO pw=***\n');
});

test('a terminal keeps the escapes; JSON keeps the text as the step printed it', () => {
  const colour = '\u001b[1;34mINFO\u001b[0m pw=***';
  assert.equal(rendered('plain', true), `#3 0.101 ${colour}\nerror: #3 ERROR: ${colour}\n`);
  const json = rendered('json', false)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).message);
  assert.deepEqual(json, [`#3 0.101 ${colour}`, `#3 ERROR: ${colour}`]);
});
