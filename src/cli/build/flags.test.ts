import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkStdoutOutputs,
  parseAddHost,
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
  assert.deepEqual(parseOutput('./dir'), { output: { type: 'local', dest: './dir' }, names: none });
  assert.throws(() => parseOutput('type=docker'), /needs dest=PATH/);
  assert.throws(() => parseOutput('type=nope,dest=x'), /unknown --output type "nope"/);
});

test('--output oci and docker are tarballs unless tar=false; - and no dest are stdout', () => {
  const output = (text: string) => parseOutput(text).output;
  assert.deepEqual(output('type=oci,dest=out'), { type: 'oci', dest: 'out', tar: true });
  assert.deepEqual(output('type=oci,dest=out,tar=false'), { type: 'oci', dest: 'out', tar: false });
  assert.deepEqual(output('type=docker,dest=a.tar,tar=0'), {
    type: 'docker',
    dest: 'a.tar',
    tar: false,
  });
  assert.deepEqual(output('type=oci'), { type: 'oci', dest: '-', tar: true });
  assert.deepEqual(output('type=oci,dest=-'), { type: 'oci', dest: '-', tar: true });
  assert.deepEqual(output('type=tar'), { type: 'tar', dest: '-' });
  assert.deepEqual(output('-'), { type: 'tar', dest: '-' });
  assert.throws(() => output('type=oci,tar=false'), {
    message: '--output type=oci needs dest=PATH',
  });
  assert.throws(() => output('type=oci,dest=-,tar=false'), {
    message: '--output type=oci: a folder cannot be written to stdout (dest=-)',
  });
  assert.throws(() => output('type=local,dest=-'), {
    message: '--output type=local: a folder cannot be written to stdout (dest=-)',
  });
  assert.throws(() => output('type=oci,dest=x,tar=maybe'), {
    message: '--output tar=maybe: expected true or false',
  });
});

test('one output at most on stdout, never a terminal, never beside quiet or json', () => {
  const piped = [{ type: 'tar' as const, dest: '-' }];
  const files = [
    { type: 'oci' as const, dest: 'x.tar' },
    { type: 'local' as const, dest: 'd' },
  ];
  assert.equal(checkStdoutOutputs([...piped, ...files], false, 'plain'), undefined);
  assert.equal(checkStdoutOutputs(files, true, 'quiet'), undefined);
  assert.throws(() => checkStdoutOutputs(piped, true, 'plain'), {
    message: '--output type=tar,dest=-: refusing to write a tarball to the terminal',
    hint: 'redirect stdout (> image.tar, | docker load), or give dest=FILE',
  });
  assert.throws(() => checkStdoutOutputs([...piped, { type: 'oci', dest: '-' }], false, 'plain'), {
    message: 'more than one --output writes to stdout (dest=-)',
  });
  assert.throws(() => checkStdoutOutputs(piped, false, 'json'), {
    message: '--progress json prints on stdout, where dest=- writes the tarball',
  });
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
    tar: true,
    compression: 'gzip',
  });
  assert.throws(
    () => parseOutput('type=registry,compression=estargz'),
    /--output compression=estargz: expected gzip, zstd or uncompressed/,
  );
  assert.throws(() => parseOutput('type=registry,compression=zstd,force-compression=true'), {
    message: '--output force-compression= is not supported',
  });
});

test('--add-host NAME:IP, NAME=IP, a bracketed IPv6 address and host-gateway', () => {
  assert.deepEqual(parseAddHost('db:10.0.0.5'), { host: 'db', ip: '10.0.0.5' });
  assert.deepEqual(parseAddHost('db=10.0.0.5'), { host: 'db', ip: '10.0.0.5' });
  assert.deepEqual(parseAddHost('v6:[2001:db8::33]'), { host: 'v6', ip: '2001:db8::33' });
  assert.deepEqual(parseAddHost('v6=2001:db8::33'), { host: 'v6', ip: '2001:db8::33' });
  assert.deepEqual(parseAddHost('gw:host-gateway'), { host: 'gw', ip: '127.0.0.1' });
  for (const bad of ['db', 'db:', ':10.0.0.5', 'db:not-an-ip', 'a,b:10.0.0.5', '-x:10.0.0.5']) {
    assert.throws(() => parseAddHost(bad), {
      message: `invalid --add-host ${JSON.stringify(bad)}: expected NAME:IP`,
    });
  }
});

test('--secret from a file, an environment variable, or the variable named like the id', () => {
  const env = { TOKEN: 'abc', NPM: 'n' };
  assert.deepEqual(parseSecret('id=a,src=/f', env), { id: 'a', file: '/f' });
  assert.deepEqual(parseSecret('id=a,env=TOKEN', env), { id: 'a', value: 'abc' });
  assert.deepEqual(parseSecret('id=NPM', env), { id: 'NPM', value: 'n' });
  assert.throws(() => parseSecret('id=MISSING', env), /environment variable MISSING is not set/);
});

test('--build-context with nothing after = is refused', () => {
  assert.throws(() => parseBuildContext('extra='), {
    message: '--build-context extra= needs a value',
  });
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
