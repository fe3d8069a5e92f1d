// Bad input never hangs or overflows the stack: a located error or a correct parse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lintDockerfile } from './checks.js';
import { DockerfileError } from './errors.js';
import { ExpansionError, expandWord, expandWords } from './expand.js';
import { parseDockerfile } from './parse.js';
import { stagesNeededFor } from './stages.js';

// Parsing, and the whole `check` (stage order, word syntax, rules) on what parsed.
function parsesOrLocates(text: string): void {
  try {
    lintDockerfile(parseDockerfile(text, { file: 'Dockerfile' }));
  } catch (error) {
    assert.ok(error instanceof DockerfileError, `unlocated ${String(error)}`);
    assert.ok((error.location?.line ?? 0) >= 1, 'error without a line');
    assert.ok((error.location?.column ?? 0) >= 1, 'error without a column');
  }
}

const fragment = fc.constantFrom(
  'FROM alpine',
  'RUN ',
  'COPY ',
  '<<EOF',
  'EOF',
  '\\',
  '`',
  '"',
  "'",
  '${',
  '}',
  '[',
  ']',
  '--mount=',
  '--from=',
  '--from=0 ',
  '--mount=from=1,target=/t ',
  'FROM x AS y',
  '#',
  '# escape=`',
  '\n',
  '\r\n',
  ' ',
  '\t',
  'ONBUILD ',
  'HEALTHCHECK ',
  'ENV ',
  'ARG ',
  '=',
  ',',
);

test('random Dockerfile-like text parses or fails with a location', () => {
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => parsesOrLocates(parts.join(''))),
    { numRuns: 2000 },
  );
});

test('binary garbage parses or fails with a location', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) =>
      parsesOrLocates(Buffer.from(bytes).toString('utf8')),
    ),
    { numRuns: 500 },
  );
});

test('random words expand or fail with an ExpansionError', () => {
  const word = fc.array(
    fc.constantFrom('$', '{', '}', ':', '-', '+', '?', '#', '%', '/', 'a', '"', "'", '\\', ' '),
    {
      maxLength: 40,
    },
  );
  fc.assert(
    fc.property(word, (chars) => {
      const text = chars.join('');
      try {
        expandWord(text, { a: 'x' });
        expandWords(text, { a: 'x' });
      } catch (error) {
        assert.ok(error instanceof ExpansionError, `unexpected ${String(error)}`);
      }
    }),
    { numRuns: 3000 },
  );
});

test('a 10 MB Dockerfile parses', () => {
  const line = 'RUN echo "a fairly ordinary line of shell" && true\n';
  const text = `FROM alpine\n${line.repeat(Math.ceil(10_000_000 / line.length))}`;
  const parsed = parseDockerfile(text, { file: 'Dockerfile' });
  assert.equal(parsed.stages[0]?.instructions.length, Math.ceil(10_000_000 / line.length));
});

// Shapes that were once quadratic: each is a few MB and must parse in linear time.
test('many comment lines, stages and repeated flags parse', () => {
  const comments = `FROM alpine\n${'# a comment line\n'.repeat(200_000)}RUN x\n`;
  const run = parseDockerfile(comments, { file: 'Dockerfile' }).stages[0]?.instructions[0];
  assert.equal(run?.location.line, 200_002);

  const chain = Array.from({ length: 50_000 }, (_, i) => `FROM s${i} AS s${i + 1}\n`);
  const stages = parseDockerfile(`FROM alpine AS s0\n${chain.join('')}COPY --from=s0 a b\n`, {
    file: 'Dockerfile',
  });
  assert.equal(stagesNeededFor(stages).length, 50_001);

  const mounts = `FROM alpine\nRUN ${'--mount=type=tmpfs,target=/t '.repeat(50_000)}true\n`;
  const mounted = parseDockerfile(mounts, { file: 'Dockerfile' }).stages[0]?.instructions[0];
  assert.equal(mounted?.kind === 'RUN' && mounted.mounts.length, 50_000);
});

test('10,000 continuation lines make one instruction', () => {
  const text = `FROM alpine\nRUN true \\\n${'  && echo x \\\n'.repeat(10_000)}  && echo end\n`;
  const parsed = parseDockerfile(text, { file: 'Dockerfile' });
  const run = parsed.stages[0]?.instructions[0];
  assert.equal(run?.location.endLine, 10_003);
  assert.equal(
    run?.kind === 'RUN' && run.command.form === 'shell' && run.command.text.length,
    'true '.length + '  && echo x '.length * 10_000 + '  && echo end'.length,
  );
});

test('hostile nesting is an error, not a stack overflow', () => {
  const onbuild = `FROM alpine\n${'ONBUILD '.repeat(100_000)}RUN true\n`;
  assert.throws(() => parseDockerfile(onbuild, { file: 'Dockerfile' }), DockerfileError);
  const nested = `${'${a:-'.repeat(100_000)}x${'}'.repeat(100_000)}`;
  assert.throws(() => expandWord(nested, {}), ExpansionError);
});

test('unterminated heredoc, quotes and ${ are located or parsed', () => {
  assert.throws(
    () => parseDockerfile('FROM a\nRUN <<EOF cat\nbody\n', { file: 'Dockerfile' }),
    (error: unknown) =>
      error instanceof DockerfileError &&
      error.location?.line === 2 &&
      error.location.column === 5 &&
      error.message === 'unterminated heredoc EOF',
  );
  // Quotes and ${ are the shell's business in RUN; elsewhere they fail at expansion.
  const parsed = parseDockerfile('FROM a\nRUN echo "open\nENV X="open\nWORKDIR ${\n', {
    file: 'Dockerfile',
  });
  assert.deepEqual(
    parsed.stages[0]?.instructions.map((i) => i.original),
    ['RUN echo "open', 'ENV X="open', 'WORKDIR ${'],
  );
  assert.throws(() => expandWord('${', {}), ExpansionError);
});

test('an unterminated heredoc is an error at its own line, whatever comes before and after', () => {
  const name = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/);
  const body = fc.array(fc.stringMatching(/^[a-z ${}"'\\]{0,12}$/), { maxLength: 20 });
  fc.assert(
    fc.property(fc.nat({ max: 30 }), name, body, (before, marker, lines) => {
      const head = `FROM alpine\n${'RUN true\n'.repeat(before)}`;
      const text = `${head}COPY <<${marker} /x\n${lines.map((l) => `${l}\n`).join('')}`;
      assert.throws(
        () => parseDockerfile(text, { file: 'Dockerfile' }),
        (error: unknown) =>
          error instanceof DockerfileError &&
          error.location?.line === before + 2 &&
          error.location.column === 6 &&
          error.message === `unterminated heredoc ${marker}`,
      );
    }),
    { numRuns: 500 },
  );
});
