import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeTagName } from './exports.js';

// How a `-t` name is stored: a plain name as given, anything else fully qualified;
// a name docker build -t refuses is refused here too.

test('a plain name stays as given, a reference is stored fully qualified', () => {
  assert.equal(storeTagName('app'), 'app');
  assert.equal(storeTagName('app:1'), 'docker.io/library/app:1');
  assert.equal(storeTagName('reg.io/team/app'), 'reg.io/team/app:latest');
});

test('an upper-case name is refused, plain or not, with the lowercase form to use', () => {
  const hint = 'use "myapp"; registries only accept lowercase repository names';
  assert.throws(() => storeTagName('MyApp'), {
    message: 'invalid reference format "MyApp": repository name "MyApp" must be lowercase',
    hint,
  });
  assert.throws(() => storeTagName('MyApp:1'), {
    message: 'invalid reference format "MyApp:1": repository name "MyApp" must be lowercase',
    hint,
  });
});
