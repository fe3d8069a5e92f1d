import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModeChange } from './mode.js';

const octal = (text: string, mode: number, directory = false) =>
  parseModeChange(text).apply(mode, directory).toString(8);

test('an octal --chmod replaces the mode; its key is the number', () => {
  assert.equal(octal('755', 0o600), '755');
  assert.equal(octal('0640', 0o777, true), '640');
  assert.equal(parseModeChange('0755').key, 0o755);
});

test('symbolic clauses apply left to right to the source mode', () => {
  assert.equal(octal('u+x', 0o644), '744');
  assert.equal(octal('+x', 0o644), '755');
  assert.equal(octal('go-w', 0o666), '644');
  assert.equal(octal('go-w,u=rwX', 0o777), '755');
  assert.equal(octal('a=r', 0o755), '444');
  assert.equal(octal('o=', 0o777), '770');
  assert.equal(octal('u=rw,g=r,o=', 0o777), '640');
  assert.equal(octal('u+x-w', 0o644), '544');
  assert.equal(parseModeChange('u+x').key, 'u+x');
});

test('X is execute only for directories and files that already have an execute bit', () => {
  assert.equal(octal('u=rwX,go=rX', 0o600), '644');
  assert.equal(octal('u=rwX,go=rX', 0o700), '755');
  assert.equal(octal('u=rwX,go=rX', 0o600, true), '755');
  assert.equal(octal('a+X', 0o644), '644');
  assert.equal(octal('a+X', 0o744), '755');
});

test('s, t and copying a class', () => {
  assert.equal(octal('u+s', 0o755), '4755');
  assert.equal(octal('g+s', 0o755, true), '2755');
  assert.equal(octal('+t', 0o777, true), '1777');
  assert.equal(octal('u+t', 0o755), '755');
  assert.equal(octal('g=u', 0o740), '770');
  assert.equal(octal('go=u-w', 0o644), '644');
});

test('a bad mode names the clause and what is allowed', () => {
  for (const [text, clause] of [
    ['u+q', 'u+q'],
    ['', ''],
    ['u+x,,g+w', ''],
    ['x+u', 'x+u'],
  ]) {
    assert.throws(
      () => parseModeChange(text as string),
      (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, 'INVALID_CHMOD');
        assert.equal(error.message, `invalid --chmod=${text}: bad clause "${clause}"`);
        assert.match(error.hint ?? '', /u=rwX,go=rX/);
        return true;
      },
    );
  }
});

test('digits that are no octal mode are an octal error, as BuildKit gives', () => {
  for (const text of ['8755', '77777']) {
    assert.throws(() => parseModeChange(text), {
      code: 'INVALID_CHMOD',
      message: `invalid --chmod=${text}: expected an octal mode`,
    });
  }
});

test('octal with leading zeros is read as BuildKit reads it, up to 07777', () => {
  const file = 0o100600;
  assert.equal(parseModeChange('00755').apply(file, false), 0o755);
  assert.equal(parseModeChange('0007777').apply(file, false), 0o7777);
  assert.throws(() => parseModeChange('010000'), { code: 'INVALID_CHMOD' });
});
