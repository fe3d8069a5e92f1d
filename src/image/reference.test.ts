import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  familiarReference,
  formatReference,
  parseReference,
  referenceSelector,
} from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

// [input, fully qualified form, familiar form]: Docker's normalisation.
const good: [string, string, string][] = [
  ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
  ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['index.docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['index.docker.io/team/app:1', 'docker.io/team/app:1', 'team/app:1'],
  ['team/app', 'docker.io/team/app:latest', 'team/app:latest'],
  [`host:5000/a/b:t@${D}`, `host:5000/a/b:t@${D}`, `host:5000/a/b:t@${D}`],
  [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
  ['localhost:5000/app', 'localhost:5000/app:latest', 'localhost:5000/app:latest'],
  ['localhost/app:1', 'localhost/app:1', 'localhost/app:1'],
  ['127.0.0.1:5000/x/y/z', '127.0.0.1:5000/x/y/z:latest', '127.0.0.1:5000/x/y/z:latest'],
  ['[::1]:5000/app:1', '[::1]:5000/app:1', '[::1]:5000/app:1'],
  ['[2001:db8::1]/app', '[2001:db8::1]/app:latest', '[2001:db8::1]/app:latest'],
  [
    'Registry.Example.com/app',
    'Registry.Example.com/app:latest',
    'Registry.Example.com/app:latest',
  ],
  ['a.b/c_d__e-f.g---h:v1.0-RC_2', 'a.b/c_d__e-f.g---h:v1.0-RC_2', 'a.b/c_d__e-f.g---h:v1.0-RC_2'],
];
for (const [input, full, familiar] of good) {
  test(`reference ${input}`, () => {
    const ref = parseReference(input);
    assert.equal(formatReference(ref), full);
    assert.equal(familiarReference(ref), familiar);
  });
}

test('the parts of a fully specified reference', () => {
  assert.deepEqual(parseReference(`host:5000/a/b:t@${D}`), {
    registry: 'host:5000',
    repository: 'a/b',
    tag: 't',
    digest: D,
  });
  assert.equal(referenceSelector(parseReference(`host:5000/a/b:t@${D}`)), D);
  assert.equal(referenceSelector(parseReference('busybox')), 'latest');
  assert.deepEqual(parseReference('busybox', { defaultTag: false }), {
    registry: 'docker.io',
    repository: 'library/busybox',
  });
});

test('an uppercase repository is refused, saying why and what to use', () => {
  assert.throws(() => parseReference('Busybox'), {
    code: 'INVALID_REFERENCE',
    message: 'invalid reference format "Busybox": repository name "Busybox" must be lowercase',
    hint: 'use "busybox"; registries only accept lowercase repository names',
  });
  assert.throws(() => parseReference('host:5000/Team/app'), {
    message: /repository name "Team\/app" must be lowercase/,
  });
});

const bad: [string, RegExp][] = [
  ['', /empty reference/],
  ['busybox:-x', /tag "-x" must be 1-128 of/],
  [`app:${'t'.repeat(129)}`, /must be 1-128/],
  ['a//b', /path component "" must be lowercase letters and digits/],
  ['a/b/', /path component ""/],
  ['foo_/bar', /path component "foo_"/],
  ['busybox@sha256:abc', /sha256 needs 64 lowercase hex digits/],
  ['-host.com/app', /bad registry host "-host.com"/],
  [`host.com/${'a'.repeat(250)}`, /longer than 255 characters/],
];
for (const [input, message] of bad) {
  test(`reference ${JSON.stringify(input.slice(0, 30))} is refused`, () => {
    assert.throws(() => parseReference(input), { code: 'INVALID_REFERENCE', message });
  });
}
