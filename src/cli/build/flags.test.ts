import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseBuildArgs,
  parseBuildContext,
  parseNetwork,
  parseOutput,
  parseSecret,
} from './flags.js';

test('--output forms', () => {
  const none: string[] = [];
  assert.deepEqual(parseOutput('type=registry'), { output: { type: 'registry' }, names: none });
  assert.deepEqual(parseOutput('type=image,name=r.test/a:1,push=true'), {
    output: { type: 'registry' },
    names: ['r.test/a:1'],
  });
  assert.deepEqual(parseOutput('type=image,name=a:2'), {
    output: { type: 'store' },
    names: ['a:2'],
  });
  assert.deepEqual(parseOutput('type=oci,dest=out.tar'), {
    output: { type: 'oci', dest: 'out.tar' },
    names: none,
  });
  assert.deepEqual(parseOutput('./dir'), { output: { type: 'local', dest: './dir' }, names: none });
  assert.throws(() => parseOutput('type=docker'), /needs dest=PATH/);
  assert.throws(() => parseOutput('type=nope,dest=x'), /unknown --output type "nope"/);
});

test('--output compression= for registry and oci outputs, as buildx names them', () => {
  assert.deepEqual(parseOutput('type=registry,compression=zstd').output, {
    type: 'registry',
    compression: 'zstd',
  });
  assert.deepEqual(parseOutput('type=image,push=true,compression=uncompressed').output, {
    type: 'registry',
    compression: 'uncompressed',
  });
  assert.deepEqual(parseOutput('type=oci,dest=o,compression=gzip').output, {
    type: 'oci',
    dest: 'o',
    compression: 'gzip',
  });
  assert.throws(
    () => parseOutput('type=registry,compression=estargz'),
    /--output compression=estargz: expected gzip, zstd or uncompressed/,
  );
});

test('--secret from a file, an environment variable, or the variable named like the id', () => {
  const env = { TOKEN: 'abc', NPM: 'n' };
  assert.deepEqual(parseSecret('id=a,src=/f', env), { id: 'a', file: '/f' });
  assert.deepEqual(parseSecret('id=a,env=TOKEN', env), { id: 'a', value: 'abc' });
  assert.deepEqual(parseSecret('id=NPM', env), { id: 'NPM', value: 'n' });
  assert.throws(() => parseSecret('id=MISSING', env), /environment variable MISSING is not set/);
});

test('--build-context kinds and --build-arg from the environment', () => {
  assert.deepEqual(parseBuildContext('base=docker-image://alpine:3'), [
    'base',
    { kind: 'image', reference: 'alpine:3' },
  ]);
  assert.deepEqual(parseBuildContext('l=oci-layout:///x/y:v1'), [
    'l',
    { kind: 'oci-layout', dir: '/x/y', selector: 'v1' },
  ]);
  assert.deepEqual(parseBuildContext('d=../assets'), ['d', { kind: 'dir', path: '../assets' }]);
  assert.deepEqual(parseBuildContext('g=https://example.com/x.git#v1:docs'), [
    'g',
    { kind: 'git', source: 'https://example.com/x.git#v1:docs' },
  ]);
  assert.deepEqual(parseBuildContext('s=git@example.com:team/x.git'), [
    's',
    { kind: 'git', source: 'git@example.com:team/x.git' },
  ]);
  assert.deepEqual(parseBuildContext('t=https://example.com/src.tar.gz'), [
    't',
    { kind: 'url', url: 'https://example.com/src.tar.gz' },
  ]);
  assert.throws(() => parseBuildContext('f=ftp://example.com/x'), /unsupported source/);
  assert.deepEqual(parseBuildArgs(['A=1', 'HOME_SET', 'UNSET'], { HOME_SET: 'h' }), {
    A: '1',
    HOME_SET: 'h',
  });
});

test('--build-arg with an empty name is a usage error that names the flag', () => {
  for (const text of ['', '=x', ' =x']) {
    assert.throws(() => parseBuildArgs([text], {}), {
      name: 'UsageError',
      message: `invalid --build-arg ${JSON.stringify(text)}: empty name`,
      hint: 'write --build-arg NAME=VALUE, or --build-arg NAME to take $NAME',
    });
  }
  assert.deepEqual(parseBuildArgs(['A=', 'B=x=y'], {}), { A: '', B: 'x=y' });
});

test('--network takes default, host or none, as docker build does', () => {
  assert.deepEqual([undefined, 'default', 'host', 'none'].map(parseNetwork), [
    undefined,
    'host',
    'host',
    'none',
  ]);
  assert.throws(() => parseNetwork('bridge'), {
    message: '--network "bridge": expected default, host or none',
  });
});
