import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile, type RunInstruction } from '../../dockerfile/index.js';
import { runArgv } from './run-args.js';

function runOf(text: string): RunInstruction {
  const parsed = parseDockerfile(`FROM scratch\n${text}`, { file: 'Dockerfile' });
  return parsed.stages[0]?.instructions[0] as RunInstruction;
}

test('shell form goes through the SHELL, exec form is kept', () => {
  assert.deepEqual(runArgv(runOf('RUN echo $HOME'), ['/bin/sh', '-c']), [
    '/bin/sh',
    '-c',
    'echo $HOME',
  ]);
  assert.deepEqual(runArgv(runOf('RUN ["ls", "-l"]'), ['/bin/bash', '-c']), ['ls', '-l']);
});

test('a RUN that is only a here-document runs its body; others pass it to the shell', () => {
  assert.deepEqual(runArgv(runOf('RUN <<EOF\necho a\necho b\nEOF\n'), ['/bin/sh', '-c']), [
    '/bin/sh',
    '-c',
    'echo a\necho b\n',
  ]);
  assert.deepEqual(runArgv(runOf('RUN cat <<EOF > /x\nhi\nEOF\n'), ['/bin/sh', '-c']), [
    '/bin/sh',
    '-c',
    'cat <<EOF > /x\nhi\nEOF\n',
  ]);
});
