import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../errors/index.js';
import { checkWordSyntax } from './check-syntax.js';
import { DockerfileError } from './errors.js';
import { ExpansionError, expandWord } from './expand.js';
import { parseDockerfile } from './parse.js';

function syntaxError(text: string): string {
  try {
    checkWordSyntax(parseDockerfile(text, { file: 'Dockerfile' }));
  } catch (error) {
    assert.ok(error instanceof DockerfileError, `not located: ${String(error)}`);
    return `${error.location?.line}:${error.location?.column}: ${error.message}`;
  }
  return 'ok';
}

test('a word that cannot expand is an error at its instruction, in any stage', () => {
  assert.equal(
    syntaxError('FROM a AS x\nWORKDIR /${A\nFROM b\n'),
    `2:1: failed to process "/\${A": syntax error: missing '}'`,
  );
  assert.equal(
    syntaxError('FROM a\n  LABEL k="open\n'),
    `2:3: failed to process ""open": unexpected end of statement while looking for matching double-quote`,
  );
  assert.equal(
    syntaxError('ARG V=${x:=y}\nFROM a\n'),
    `1:1: failed to process "\${x:=y}": unsupported modifier (:=) in substitution`,
  );
  assert.equal(
    syntaxError('FROM a\nCOPY ${SRC:-a} "${DST:?}" /x\nENV A="${B:?must be set}"\n'),
    'ok',
  );
  // RUN and CMD are the shell's business: BuildKit does not expand them.
  assert.equal(syntaxError('FROM a\nRUN echo "${\nCMD echo ${\n'), 'ok');
});

test('an expansion error is an InputError, so a build can put its line on it', () => {
  assert.throws(
    () => expandWord('${', {}),
    (error: unknown) =>
      error instanceof ExpansionError &&
      error instanceof InputError &&
      error.code === 'DOCKERFILE_EXPANSION',
  );
});

test('random words in WORKDIR, ENV and COPY pass or fail at their line', () => {
  const word = fc
    .array(fc.constantFrom('$', '{', '}', ':', '-', '?', '%', '/', 'a', '"', "'", '\\', '`'), {
      maxLength: 30,
    })
    .map((chars) => chars.join('').replace(/\s/g, ''));
  fc.assert(
    fc.property(word, fc.constantFrom('WORKDIR /', 'ENV K=', 'COPY a /'), (text, prefix) => {
      const dockerfile = `FROM a\n${prefix}${text}x\n`;
      let parsed: ReturnType<typeof parseDockerfile>;
      try {
        parsed = parseDockerfile(dockerfile, { file: 'Dockerfile' });
      } catch (error) {
        assert.ok(error instanceof DockerfileError && error.location?.line === 2);
        return;
      }
      try {
        checkWordSyntax(parsed);
      } catch (error) {
        assert.ok(error instanceof DockerfileError, `unlocated ${String(error)}`);
        assert.equal(error.location?.line, 2);
      }
    }),
    { numRuns: 2000 },
  );
});
