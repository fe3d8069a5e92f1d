// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell words under test
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpansionError, expandWord, expandWords, expandWordWithMatches } from './expand.js';

const env = {
  PWD: '/home',
  EMPTY: '',
  X: 'abc.tar.gz',
  DASHED: 'app-1-rc',
  SPLIT: 'x  y',
  KOREAN: '한국어',
};

const cases: Array<[string, string]> = [
  ['hello', 'hello'],
  ["he'll'o", 'hello'],
  ['he"ll"o', 'hello'],
  ["'$PWD'", '$PWD'],
  ['"$PWD"', '/home'],
  ['$PWD/x', '/home/x'],
  ['${PWD}x', '/homex'],
  ['\\$PWD', '$PWD'],
  ['"\\$PWD"', '$PWD'],
  ['"\\a"', '\\a'],
  ['\\a', 'a'],
  ["'\\a'", '\\a'],
  ['${UNSET:-def}', 'def'],
  ['${EMPTY:-def}', 'def'],
  ['${EMPTY-def}', ''],
  ['${UNSET-def}', 'def'],
  ['${PWD:+set}', 'set'],
  ['${UNSET+set}', ''],
  ['${EMPTY+set}', 'set'],
  ['${EMPTY:+set}', ''],
  ['${X%.gz}', 'abc.tar'],
  ['${X%%.*}', 'abc'],
  ['${X%.*}', 'abc.tar'],
  ['${X#*.}', 'tar.gz'],
  ['${X##*.}', 'gz'],
  ['${X#nomatch}', 'abc.tar.gz'],
  ['${DASHED%-*}', 'app-1'],
  ['${DASHED#*-}', '1-rc'],
  ['${DASHED/-/_}', 'app_1-rc'],
  ['${X/tar/zip}', 'abc.zip.gz'],
  ['${X//a/A}', 'Abc.tAr.gz'],
  ['${X/?b/_}', '_c.tar.gz'],
  ['${EMPTY?}', ''],
  ['${PWD:?}', '/home'],
  ['$', '$'],
  ['a$', 'a$'],
  ['$KOREAN', '한국어'],
  ['${UNSET:-${PWD}/sub}', '/home/sub'],
  ['"${UNSET:-a b}"', 'a b'],
  ['$1$@x', 'x'],
];

for (const [word, want] of cases) {
  test(`expandWord ${word}`, () => {
    assert.equal(expandWord(word, env), want);
  });
}

const failures: Array<[string, string]> = [
  ['${UNSET:?must be set}', 'UNSET: must be set'],
  ['${UNSET?}', 'UNSET: is not allowed to be unset'],
  ['${EMPTY:?}', 'EMPTY: is not allowed to be empty'],
  ['${', "syntax error: missing '}'"],
  ['${PWD', "syntax error: missing '}'"],
  ['${PWD:-x', "syntax error: missing '}'"],
  ['${}', 'syntax error: bad substitution'],
  ['${:x}', 'syntax error: bad substitution'],
  ["'open", 'unexpected end of statement while looking for matching single-quote'],
  ['"open', 'unexpected end of statement while looking for matching double-quote'],
  ['${X:1}', 'unsupported modifier (:1) in substitution'],
  ['${X:#a}', 'unsupported modifier (:#) in substitution'],
];

for (const [word, message] of failures) {
  test(`expandWord ${word} fails`, () => {
    assert.throws(
      () => expandWord(word, env),
      (error: unknown) =>
        error instanceof ExpansionError &&
        error.message === `failed to process "${word}": ${message}`,
    );
  });
}

test('expandWords splits unquoted expansions, keeps quoted ones', () => {
  assert.deepEqual(expandWords('a "b c" $SPLIT \'d e\'', env), ['a', 'b c', 'x', 'y', 'd e']);
  assert.deepEqual(expandWords('"$SPLIT"', env), ['x  y']);
});

test('the backtick escape token', () => {
  const options = { escapeToken: '`' as const };
  assert.equal(expandWord('C:\\path\\$PWD', env, options), 'C:\\path\\/home');
  assert.equal(expandWord('`$PWD', env, options), '$PWD');
  assert.equal(expandWord('"a`"b"', env, options), 'a"b');
});

test('keepUnset leaves unset references as written', () => {
  const options = { keepUnset: true };
  assert.equal(expandWord('$UNSET ${UNSET} $PWD', env, options), '$UNSET ${UNSET} /home');
  assert.equal(expandWord('${UNSET:-x}', env, options), '${UNSET:-x}');
});

test('expandWordWithMatches reports used and undefined names', () => {
  const result = expandWordWithMatches(
    '$PWD $NOPE ${GONE:-x} ${X%.gz}',
    new Map(Object.entries(env)),
  );
  assert.deepEqual(result, {
    value: '/home  x abc.tar',
    used: ['PWD', 'X'],
    undefined: ['NOPE'],
  });
});

test('a lookup function is an environment', () => {
  assert.equal(
    expandWord('$A-$B', (name) => (name === 'A' ? '1' : undefined)),
    '1-',
  );
});

test('a pattern may hold regex characters: `-`, `.`, `(`, `|`', () => {
  const env = { V: 'my-app-1.2(x)|y' };
  assert.equal(expandWord('${V%-*}', env), 'my-app');
  assert.equal(expandWord('${V%%-*}', env), 'my');
  assert.equal(expandWord('${V#*-}', env), 'app-1.2(x)|y');
  assert.equal(expandWord('${V//-/_}', env), 'my_app_1.2(x)|y');
  assert.equal(expandWord('${V/(x)|/+}', env), 'my-app-1.2+y');
  assert.equal(expandWord('${V%-}', env), 'my-app-1.2(x)|y');
});
