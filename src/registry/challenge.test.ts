import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChallenges } from './challenge.js';

test('bearer challenge with quoted parameters', () => {
  const header =
    'Bearer realm="https://auth.example.com/token",service="registry.example.com",' +
    'scope="repository:team/app:pull,push",error="insufficient_scope"';
  assert.deepEqual(parseChallenges(header), [
    {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:team/app:pull,push',
        error: 'insufficient_scope',
      },
    },
  ]);
});

test('basic challenge, unquoted values, escapes and two challenges', () => {
  assert.deepEqual(parseChallenges('Basic realm="Registry \\"Realm\\""'), [
    { scheme: 'basic', params: { realm: 'Registry "Realm"' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm=x, Bearer realm="y", service=z'), [
    { scheme: 'basic', params: { realm: 'x' } },
    { scheme: 'bearer', params: { realm: 'y', service: 'z' } },
  ]);
  assert.deepEqual(parseChallenges(undefined), []);
});
