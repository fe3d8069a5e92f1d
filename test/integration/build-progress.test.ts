import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BuildFixture, makeContext, run, startBuildFixture } from '../harness/build.js';
import { cliRunner } from '../harness/cli.js';

// `slipway build --progress`: json events one a line on stderr and the result
// on stdout, quiet printing only the image id, plain naming the sandbox back
// end; a failing RUN's report in plain and json; a base of another platform warned about.

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

const cli = cliRunner();
const slipway = (args: string[]) =>
  cli.run({ ...process.env, SLIPWAY_HOME: fixture.home }, ['build', ...args]);

/** Every stderr line as JSON (a line that is not JSON fails the test). */
function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `kind name` of the step events, names looked up by step id. */
function stepEvents(events: Record<string, unknown>[]): string[] {
  const names = new Map<unknown, unknown>();
  return events
    .filter((e) => String(e.kind).startsWith('build.step.') && e.kind !== 'build.step.output')
    .map((e) => {
      if (e.kind === 'build.step.start') names.set(e.step, e.name);
      return `${String(e.kind).slice('build.step.'.length)} ${names.get(e.step)}`;
    });
}

const DOCKERFILE = 'FROM BASE\nRUN echo out; echo err >&2\nCOPY a.txt /a\n';

test('json: events one a line with RUN output under its step; the result on stdout', async () => {
  const context = await makeContext(fixture, { Dockerfile: DOCKERFILE, 'a.txt': 'a' });
  const iidfile = join(fixture.dir, 'json-iid');
  const args = ['--progress', 'json', '-t', 'progress-json', '--iidfile', iidfile, context];
  const first = await slipway(args);
  assert.equal(first.status, 0, first.stderr);
  const events = jsonLines(first.stderr);
  const from = `[1/3] FROM ${fixture.base}`;
  const steps = ['[2/3] RUN echo out; echo err >&2', '[3/3] COPY a.txt /a', 'exporting to image'];
  const load = '[internal] load build definition from Dockerfile';
  assert.deepEqual(
    stepEvents(events),
    [load, from, ...steps].flatMap((name) => [`start ${name}`, `done ${name}`]),
  );
  const runStep = events.find((e) => e.name === steps[0])!.step;
  // stdout and stderr are two pipes: their lines keep no order between them.
  const output = events.filter((e) => e.kind === 'build.step.output');
  assert.deepEqual(output.map((e) => [e.step, e.stream, e.line]).sort(), [
    [runStep, 'stderr', 'err'],
    [runStep, 'stdout', 'out'],
  ]);
  const configDigest = await readFile(iidfile, 'utf8');
  const result = jsonLines(first.stdout);
  assert.equal(result.length, 1);
  assert.deepEqual(Object.keys(result[0]!), ['kind', 'digest', 'configDigest', 'references']);
  assert.equal(result[0]!.kind, 'build.result');
  assert.match(String(result[0]!.digest), /^sha256:[0-9a-f]{64}$/);
  assert.equal(result[0]!.configDigest, configDigest);
  assert.deepEqual(result[0]!.references, ['progress-json']);

  const second = await slipway(args);
  assert.deepEqual(stepEvents(jsonLines(second.stderr)), [
    ...[load, from].flatMap((name) => [`start ${name}`, `done ${name}`]),
    ...steps.slice(0, 2).flatMap((name) => [`start ${name}`, `cached ${name}`]),
    `start ${steps[2]}`,
    `done ${steps[2]}`,
  ]);
  assert.deepEqual(jsonLines(second.stdout), result);
});

test('quiet prints only the image id; plain names the sandbox back end', async () => {
  const context = await makeContext(fixture, { Dockerfile: DOCKERFILE, 'a.txt': 'quiet' });
  const iidfile = join(fixture.dir, 'quiet-iid');
  const quiet = await slipway(['--progress', 'quiet', '--iidfile', iidfile, context]);
  assert.equal(quiet.status, 0);
  assert.equal(quiet.stdout, `${await readFile(iidfile, 'utf8')}\n`);
  assert.equal(quiet.stderr, '');

  const plain = await slipway(['--progress', 'plain', '--no-cache', context]);
  const runc = await run('sh', ['-c', 'command -v runc || true']);
  const backend = runc.stdout.trim() === '' ? 'namespaces' : 'runc';
  assert.equal(
    plain.stderr
      .split('\n')
      .filter((l) => l.startsWith('sandbox: '))
      .join(),
    `sandbox: ${backend}`,
  );
  assert.equal(plain.stdout, '');
});

const FAILING = `FROM BASE AS tools
RUN echo tool > /tool
FROM BASE AS app
COPY --from=tools /tool /tool
RUN for i in $(seq 1 12); do echo line $i; done; echo oops; exit 3
`;

test('a failing RUN reports stage, line, exit code and the last ten lines of output', async () => {
  const context = await makeContext(fixture, { Dockerfile: FAILING });
  const command = '/bin/sh -c for i in $(seq 1 12); do echo line $i; done; echo oops; exit 3';
  const message = `stage app: process "${command}" did not complete successfully: exit code: 3`;
  const tail = ['line 4', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9', 'line 10'];
  const tenLines = [...tail, 'line 11', 'line 12', 'oops'];
  const where = `${join(context, 'Dockerfile')}:5:1`;

  const plain = await slipway(['--progress', 'plain', context]);
  assert.equal(plain.status, 1);
  const report = plain.stderr.slice(plain.stderr.indexOf('\nerror: ') + 1);
  assert.equal(report, `error: ${where}: ${message}\n${tenLines.join('\n')}\n`);
  assert.ok(plain.stderr.includes(`ERROR: ${message}\n`), plain.stderr);
  assert.ok(plain.stderr.includes('[app 3/3] RUN for i in'), plain.stderr);

  const json = await slipway(['--progress', 'json', context]);
  assert.equal(json.status, 1);
  assert.equal(json.stdout, '');
  const { time, ...last } = jsonLines(json.stderr).at(-1)!;
  assert.match(String(time), /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(last, {
    kind: 'error',
    level: 'error',
    status: 1,
    code: 'STEP_FAILED',
    location: { file: join(context, 'Dockerfile'), line: 5, column: 1 },
    exitCode: 3,
    outputTail: tenLines,
    message: `error: ${where}: ${message}\n${tenLines.join('\n')}`,
  });
});

test('a base image of another platform than --platform is warned about under its FROM', async () => {
  const context = await makeContext(fixture, { Dockerfile: '# base\nFROM BASE\nENV A=1\n' });
  const { stdout } = await run('skopeo', [
    'inspect',
    '--config',
    '--tls-verify=false',
    `docker://${fixture.base}`,
  ]);
  const arch = (JSON.parse(stdout) as { architecture: string }).architecture;
  const other = arch === 'arm64' ? 'amd64' : 'arm64';
  const args = ['--progress', 'json', '--platform', `linux/${other}`, context];
  const result = await slipway(['--insecure-registry', fixture.registry.host, ...args]);
  assert.equal(result.status, 0, result.stderr);
  const events = jsonLines(result.stderr);
  const from = events.find((e) => e.name === `[1/1] FROM ${fixture.base}`)!.step;
  const output = events.filter((e) => e.kind === 'build.step.output');
  assert.deepEqual(
    output.map((e) => [e.step, e.stream, e.line]),
    [
      [
        from,
        'stderr',
        `WARNING: InvalidBaseImagePlatform: base image ${fixture.base} was pulled with ` +
          `platform "linux/${arch}", expected "linux/${other}" for current build (line 2)`,
      ],
    ],
  );
  const same = await slipway([
    '--insecure-registry',
    fixture.registry.host,
    '--progress',
    'json',
    context,
  ]);
  assert.deepEqual(
    jsonLines(same.stderr).filter((e) => e.kind === 'build.step.output'),
    [],
  );
});
