import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pushBaseImage } from '../harness/base-image.js';
import { type BuildFixture, makeContext, run, startBuildFixture } from '../harness/build.js';
import { type RegistryHandle, startRegistry } from '../harness/registry.js';

// `slipway build` as a user runs it: push to a registry with basic auth
// (credentials from the environment), read back with skopeo; the metadata
// and iid files; plain progress; a failing RUN and a missing COPY source.

const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

let fixture: BuildFixture;
let secured: RegistryHandle;
before(async () => {
  fixture = await startBuildFixture();
  secured = await startRegistry('basic');
  await pushBaseImage(secured.host, 'base/busybox:latest', secured);
});
after(async () => {
  await secured.stop();
  await fixture.stop();
});

function slipway(
  args: string[],
  env: Record<string, string> = {},
  onStderr?: (text: string, child: ChildProcess) => void,
) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, SLIPWAY_HOME: fixture.home, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      onStderr?.(stderr, child);
    });
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

test('--push and -o name= send every tag to an authenticated registry; skopeo reads them', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM ${secured.host}/base/busybox:latest\nCOPY app.txt /app.txt\nCMD ["cat", "/app.txt"]\n`,
    'app.txt': 'pushed\n',
  });
  const ref = `${secured.host}/team/app`;
  const metadataFile = join(fixture.dir, 'metadata.json');
  const iidFile = join(fixture.dir, 'iid');
  const auth = `SLIPWAY_AUTH_${secured.host.replace(/[^0-9A-Za-z]/g, '_')}`;
  const result = await slipway(
    [
      'build',
      '--progress=plain',
      '--push',
      '-t',
      `${ref}:1.0`,
      // buildx's way to name an image: name= in the output.
      '-o',
      `type=registry,name=${ref}:latest`,
      '--insecure-registry',
      secured.host,
      '--metadata-file',
      metadataFile,
      '--iidfile',
      iidFile,
      context,
    ],
    { [auth]: `${secured.username}:${secured.password}` },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(
    result.stderr,
    /#\d+ \[2\/2\] COPY app\.txt \/app\.txt\n(snapshots: .*\n)?#\d+ DONE/,
  );
  const metadata = JSON.parse(await readFile(metadataFile, 'utf8'));
  assert.equal(metadata['image.name'], `${ref}:1.0,${ref}:latest`);
  assert.equal(await readFile(iidFile, 'utf8'), metadata['containerimage.config.digest']);
  for (const tag of ['1.0', 'latest']) {
    const { stdout } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      `${secured.username}:${secured.password}`,
      `docker://${ref}:${tag}`,
    ]);
    const inspected = JSON.parse(stdout);
    assert.equal(inspected.Digest, metadata['containerimage.digest']);
    assert.equal(inspected.Layers.length, 2);
  }
  const { stdout: raw } = await run('skopeo', [
    'inspect',
    '--raw',
    '--tls-verify=false',
    '--creds',
    `${secured.username}:${secured.password}`,
    `docker://${ref}:1.0`,
  ]);
  assert.deepEqual(metadata['containerimage.descriptor'], {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: metadata['containerimage.digest'],
    size: Buffer.byteLength(raw),
  });
  assert.equal(JSON.parse(raw).config.digest, metadata['containerimage.config.digest']);
});

test('--metadata-file names a local build by its normalised tags', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM BASE\nENV A=1\n' });
  const metadataFile = join(fixture.dir, 'local-metadata.json');
  const result = await slipway([
    'build',
    '--progress=quiet',
    '-t',
    'metadata-app',
    '-t',
    'team/metadata-app:2',
    '--insecure-registry',
    fixture.registry.host,
    '--metadata-file',
    metadataFile,
    context,
  ]);
  assert.equal(result.status, 0, result.stderr);
  const metadata = JSON.parse(await readFile(metadataFile, 'utf8'));
  assert.deepEqual(Object.keys(metadata), [
    'containerimage.config.digest',
    'containerimage.descriptor',
    'containerimage.digest',
    'image.name',
  ]);
  assert.equal(
    metadata['image.name'],
    'docker.io/library/metadata-app:latest,docker.io/team/metadata-app:2',
  );
  assert.equal(result.stdout, `${metadata['containerimage.config.digest']}\n`);
});

test('an --iidfile or --metadata-file in a folder that is not there fails before the build', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM BASE\nENV A=2\n' });
  const iidfile = join(fixture.dir, 'no-such-folder', 'iid');
  const host = fixture.registry.host;
  const args = ['build', '--progress=quiet', '--insecure-registry', host, '--iidfile', iidfile];
  const result = await slipway([...args, context]);
  assert.equal(result.status, 2);
  assert.equal(
    result.stderr,
    `error: --iidfile ${iidfile}: cannot write: its folder does not exist\n` +
      '  hint: give --iidfile a file in an existing folder\n',
  );
  // Nothing is pushed for a build that would then fail to write its metadata.
  const metadata = join(fixture.dir, 'no-such-folder', 'metadata.json');
  const tag = `${host}/team/never:1`;
  const push = await slipway([
    'build',
    '--push',
    '-t',
    tag,
    '--insecure-registry',
    host,
    '--metadata-file',
    metadata,
    context,
  ]);
  assert.equal(push.status, 2);
  assert.match(push.stderr, /--metadata-file \S+: cannot write: its folder does not exist/);
  const listed = await fetch(`http://${host}/v2/team/never/tags/list`);
  assert.equal(listed.status, 404);
});

test('--progress plain to a file or pipe prints RUN output without ANSI escapes', async () => {
  const context = await makeContext(fixture, {
    Dockerfile:
      "FROM BASE\nRUN printf '[\\033[1;34mINFO\\033[m] BUILD \\033[1;32mSUCCESS\\033[0m\\n'" +
      " && printf '\\033[31mfailing\\033[0m\\n' && exit 3\n",
  });
  const result = await slipway(['build', '--progress=plain', context]);
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /\n#3 \d+\.\d{3} \[INFO\] BUILD SUCCESS\n#3 \d+\.\d{3} failing\n/);
  assert.match(result.stderr, /exit code: 3\n\[INFO\] BUILD SUCCESS\nfailing\n/);
  assert.equal(result.stderr.includes('\u001b'), false);
});

test('-q prints only the image ID; --add-host lines reach RUN and its cache key', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nRUN grep -wE "db|gw" /etc/hosts > /hosts.txt\n',
  });
  const files = join(fixture.dir, 'add-host-files');
  const args = (hosts: string[]) => [
    'build',
    '-q',
    ...hosts.flatMap((host) => ['--add-host', host]),
    '-o',
    `type=local,dest=${files}`,
    context,
  ];
  const first = await slipway(args(['db:10.1.2.3', 'gw=host-gateway']));
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal(first.stderr, '');
  assert.equal(await readFile(join(files, 'hosts.txt'), 'utf8'), '10.1.2.3\tdb\n127.0.0.1\tgw\n');

  const other = await slipway(args(['db:10.9.9.9']));
  assert.equal(other.status, 0, other.stderr);
  assert.notEqual(other.stdout, first.stdout);
  assert.equal(await readFile(join(files, 'hosts.txt'), 'utf8'), '10.9.9.9\tdb\n');

  const bad = await slipway(['build', '--add-host', 'db', context]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid --add-host "db": expected NAME:IP/);
});

test('a failing RUN names the stage, the Dockerfile line, the exit code and its last output', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE AS app\nRUN echo preparing\nRUN echo first; echo second; exit 7\n',
  });
  const result = await slipway(['build', '--progress=plain', context]);
  assert.equal(result.status, 1);
  assert.match(
    result.stderr,
    /Dockerfile:3:1: stage app: process "\/bin\/sh -c echo first; echo second; exit 7" did not complete successfully: exit code: 7\nfirst\nsecond\n/,
  );
});

test('a missing COPY source names the path and suggests checking .dockerignore', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY config/settings.json /etc/\n',
    '.dockerignore': 'config\n',
    'config/settings.json': '{}',
  });
  const result = await slipway(['build', '--progress=plain', context]);
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /Dockerfile:2:1: config\/settings.json: not found in the build context\n {2}hint: check that config\/settings.json exists in the context and is not excluded by .dockerignore/,
  );
});

test('FROM of an ARG without a value names the line and says how to give it', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'ARG IMG\nFROM $IMG\n' });
  const result = await slipway(['build', '--progress=plain', context]);
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /Dockerfile:2:1: base name \(\$IMG\) should not be blank\n {2}hint: give the ARG a default before FROM, or pass --build-arg NAME=IMAGE\n/,
  );
});

test('an uppercase FROM reference names the Dockerfile line', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM Registry.local/Team/Base\n' });
  const result = await slipway(['build', '--progress=plain', context]);
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /Dockerfile:1:1: invalid reference format "Registry.local\/Team\/Base"/,
  );
});

test('a bad -t and a missing context fail before any step runs', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM BASE\nRUN echo ran\n' });
  const tagged = await slipway(['build', '--progress=plain', '-t', 'Team/App:1', context]);
  assert.equal(tagged.status, 2);
  assert.equal(tagged.stderr.includes('RUN echo ran'), false);
  assert.match(tagged.stderr, /error: invalid reference format "Team\/App:1"/);
  const missing = await slipway(['build', join(fixture.dir, 'no-such-dir')]);
  assert.equal(missing.status, 2);
  assert.match(
    missing.stderr,
    /^error: build context \S+no-such-dir does not exist\n {2}hint: pass the directory/m,
  );
});

test('a COPY source that is a link out of the context says so', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nCOPY config/app.conf /etc/\n',
  });
  await writeFile(join(fixture.dir, 'outside.conf'), 'secret=1\n');
  await mkdir(join(context, 'config'));
  await symlink(join(fixture.dir, 'outside.conf'), join(context, 'config/app.conf'));
  const result = await slipway(['build', '--progress=plain', context]);
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /Dockerfile:2:1: config\/app.conf: config\/app.conf is a link to \S+outside.conf, which is not in the build context\n {2}hint: links are followed inside the context only/,
  );
});

test('SIGINT during a RUN stops it and leaves no snapshot or temp folder behind', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nRUN echo started; sleep 60\n',
  });
  let sent = false;
  const result = await slipway(['build', '--progress=plain', context], {}, (text, child) => {
    if (!sent && text.includes('started')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  assert.equal(result.status, 130);
  assert.match(result.stderr, /\nerror: build interrupted: running steps stopped\n/);
  assert.deepEqual(await readdir(join(fixture.home, 'snapshots/work')), []);
  const cache = await readdir(join(fixture.home, 'cache'));
  assert.deepEqual(
    cache.filter((name) => name.startsWith('tmp-')),
    [],
  );
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  assert.equal(mounts.includes(join(fixture.home, 'snapshots/work')), false);
});

test('a --secret value passed as a build argument too is *** in the RUN history', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: 'FROM BASE\nARG TOKEN\nRUN --mount=type=secret,id=tok test -n "$TOKEN"\n',
  });
  const layout = join(fixture.dir, 'redacted-layout');
  const result = await slipway(
    [
      'build',
      '--progress=plain',
      '--secret',
      'id=tok,env=TOK',
      '--build-arg',
      'TOKEN=tok-8d3f1e',
      '-o',
      `type=oci,dest=${layout},tar=false`,
      context,
    ],
    { TOK: 'tok-8d3f1e' },
  );
  assert.equal(result.status, 0, result.stderr);
  const { stdout } = await run('skopeo', ['inspect', '--config', `oci:${layout}:latest`]);
  const history = JSON.parse(stdout).history.map((h: { created_by: string }) => h.created_by);
  assert.equal(history.at(-1), 'RUN |1 TOKEN=*** /bin/sh -c test -n "$TOKEN" # buildkit');
});

test('a bad EXPOSE port names the line and how to write one, with no stack trace', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM BASE\nEXPOSE http\n' });
  const result = await slipway(['build', '--progress=plain', context]);
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /\nerror: \S+Dockerfile:2:1: invalid port "http": expected PORT\[-PORT\]\[\/tcp\|udp\|sctp\]\n {2}hint: write EXPOSE 8080/,
  );
  assert.equal(result.stderr.includes('    at '), false);
});

test('COPY mistakes in the context or the image are input errors at their line', async () => {
  const cases: [string, string][] = [
    ['COPY app.txt /etc/passwd/app.txt', 'cannot copy into /etc/passwd: it is not a directory'],
    ['COPY app[.txt /x', 'syntax error in pattern "app[.txt"'],
    ['COPY loop /x', 'too many levels of symbolic links in /loop'],
    [
      'COPY --chown=ghost app.txt /x',
      "unable to find user ghost: no entry named ghost in the image's /etc/passwd",
    ],
  ];
  for (const [line, message] of cases) {
    const context = await makeContext(fixture, {
      Dockerfile: `FROM BASE\n${line}\n`,
      'app.txt': 'app\n',
    });
    await symlink('loop', join(context, 'loop'));
    const result = await slipway(['build', '--progress=plain', context]);
    assert.equal(result.status, 2, result.stderr);
    assert.ok(result.stderr.includes(`Dockerfile:2:1: ${message}\n  hint: `), result.stderr);
  }
});

test('stdin as in docker build: -f - is the Dockerfile, - a context tarball or a lone Dockerfile', async () => {
  const context = await makeContext(fixture, { 'app.txt': 'from the context\n' });
  const files = join(fixture.dir, 'stdin-files');
  const withStdin = (args: string[], input: Buffer | string) =>
    new Promise<{ status: number; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'build', '--progress=plain', ...args], {
        env: { ...process.env, SLIPWAY_HOME: fixture.home },
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (status) => resolve({ status: status ?? -1, stderr }));
      child.stdin.end(input);
    });
  const output = ['-o', `type=local,dest=${files}`];
  const dockerfile = `FROM ${fixture.base}\nCOPY app.txt /app.txt\n`;
  const piped = await withStdin(['-f', '-', ...output, context], dockerfile);
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(await readFile(join(files, 'app.txt'), 'utf8'), 'from the context\n');

  await writeFile(join(context, 'Dockerfile'), `${dockerfile}RUN echo tar > /how\n`);
  const tarball = (await run('tar', ['-cz', '-C', context, '.'], { encoding: 'buffer' })).stdout;
  const fromTar = await withStdin([...output, '-'], tarball);
  assert.equal(fromTar.status, 0, fromTar.stderr);
  assert.equal(await readFile(join(files, 'how'), 'utf8'), 'tar\n');

  const lone = await withStdin([...output, '-'], `FROM ${fixture.base}\nRUN echo lone > /how\n`);
  assert.equal(lone.status, 0, lone.stderr);
  assert.equal(await readFile(join(files, 'how'), 'utf8'), 'lone\n');
  const both = await withStdin(['-f', '-', '-'], dockerfile);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /the context and the Dockerfile cannot both be read from stdin/);
});

test('the OCI tarball a build writes is an oci-archive: source for push and inspect', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM BASE\nENV KIND=archive\n' });
  const archive = join(fixture.dir, 'app-oci.tar');
  const built = await slipway([
    'build',
    '-q',
    '-t',
    'app:7',
    '-o',
    `type=oci,dest=${archive}`,
    context,
  ]);
  assert.equal(built.status, 0, built.stderr);
  const tag = `${fixture.registry.host}/team/archived:1`;
  const pushed = await slipway(['push', '--insecure', `oci-archive:${archive}:7`, tag]);
  assert.equal(pushed.status, 0, pushed.stderr);
  const inspected = await slipway(['inspect', '--insecure', tag]);
  assert.equal(JSON.parse(inspected.stdout).config.config.Env.includes('KIND=archive'), true);
  const local = await slipway(['inspect', '--config', `oci-archive:${archive}`]);
  assert.equal(local.status, 0, local.stderr);
  assert.equal(JSON.parse(local.stdout).config.Env.includes('KIND=archive'), true);

  const written = await slipway(['copy', '--insecure', tag, `oci-archive:${archive}`]);
  assert.equal(written.status, 2);
  assert.match(written.stderr, /an archive is read here, not written/);
  const notTar = join(fixture.dir, 'not-a.tar');
  await writeFile(notTar, 'plain text\n');
  const bad = await slipway(['inspect', `oci-archive:${notTar}`]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not-a\.tar is not a tar archive/);
});
