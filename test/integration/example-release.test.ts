import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { checkoutExample, runSlipway } from '../harness/example.js';
import { generateKey, type Sshd, startSshd } from '../harness/sshd.js';

// examples/java-service/.workflow/release-pipeline.yml as a user runs it:
// Maven Build -> Upload Artifact -> Release -> Host Deployment, the hosts
// being three real OpenSSH servers on 127.0.0.1 in one host group.

const run = promisify(execFile);
const HOSTS = ['app-1', 'app-2', 'app-3'];
let root: string;
let repo: string;
let env: NodeJS.ProcessEnv;
const servers: Sshd[] = [];
const flags: string[] = [];

const hostFile = (i: number, file: string) =>
  join(root, 'hosts', HOSTS[i]!, 'releases', 'java-service', file);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-example-release-'));
  repo = join(root, 'java-service');
  await checkoutExample('java-service', repo);
  const key = await generateKey(join(root, 'keys'), 'deploy');
  for (const id of HOSTS) servers.push(await startSshd(join(root, `sshd-${id}`), [key.publicKey]));
  const hosts = HOSTS.map((id, i) => ({
    id,
    address: '127.0.0.1',
    port: servers[i]!.port,
    hostKey: servers[i]!.hostKey,
    workdir: join(root, 'hosts', id),
  }));
  const groups = { 'java-service': { user: 'root', credential: 'deploy-key', parallel: 2, hosts } };
  await writeFile(join(root, 'host-groups.yml'), stringify({ groups }));
  await writeFile(
    join(root, 'credentials.yml'),
    stringify({ 'deploy-key': { type: 'ssh-key', privateKeyFile: key.path } }),
  );
  await mkdir(join(root, 'home'));
  env = { PATH: process.env.PATH, HOME: join(root, 'home'), SLIPWAY_HOME: join(root, 'state') };
  flags.push('--host-tools', '--progress', 'plain');
  flags.push('--credentials', join(root, 'credentials.yml'));
  flags.push('--host-groups', join(root, 'host-groups.yml'));
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
});

const slipway = (...args: string[]) => runSlipway(args, repo, env);

test('build, upload, release 1.0.0.0 and deploy to every host; a rerun releases 1.0.0.1', async () => {
  const first = await slipway('run', '.workflow/release-pipeline.yml', ...flags);
  assert.equal(first.status, 0, first.stderr);
  for (const i of [0, 1, 2]) {
    assert.equal(await readFile(hostFile(i, 'version.txt'), 'utf8'), '1.0.0.0\n');
    const selfTest = (await readFile(hostFile(i, 'self-test.txt'), 'utf8')).split('\n');
    assert.equal(selfTest[1], 'self-test: /health answered ok');
  }
  const lines = `${first.stdout}${first.stderr}`.split('\n');
  const name = hostname();
  for (const id of HOSTS) {
    assert.ok(lines.includes(`[deploy_hosts/${id}] deployed java-service 1.0.0.0 on ${name}`), id);
  }

  const second = await slipway('run', '.workflow/release-pipeline.yml', ...flags);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(await readFile(hostFile(2, 'version.txt'), 'utf8'), '1.0.0.1\n');
  const tags = await run('git', ['tag', '--list'], { cwd: repo });
  assert.equal(tags.stdout, 'v1.0.0.0\nv1.0.0.1\n');

  const list = await slipway('artifacts', 'list');
  assert.equal(list.status, 0, list.stderr);
  const rows = list.stdout.split('\n').map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '));
  assert.deepEqual(
    rows.filter((r) => r.includes('java-service')),
    [
      'default java-service 1',
      'default java-service 2',
      'release java-service 1.0.0.0',
      'release java-service 1.0.0.1',
    ],
  );
  const out = join(root, 'release.tar.gz');
  const get = await slipway('artifacts', 'get', 'release', 'java-service', '1.0.0.1', '-o', out);
  assert.equal(get.status, 0, get.stderr);
  assert.equal((await run('tar', ['-tzf', out])).stdout, 'target/app.jar\n');
});

test('rolling@agent deploys the first host, then the rest with --approve STEP', async () => {
  const file = join(repo, '.workflow', 'rolling.yml');
  await writeFile(
    file,
    stringify({
      version: '1.0',
      name: 'rolling',
      stages: [
        {
          name: 'deploy',
          steps: [
            {
              step: 'rolling@agent',
              name: 'roll',
              hostGroupID: 'java-service',
              rollingNum: '1/3',
              deployArtifact: [
                { source: 'artifact', name: 'app', artifactName: 'java-service', target: 'rolled' },
              ],
              script: 'echo "$(basename "$PWD")" > rolled/where.txt',
            },
          ],
        },
      ],
    }),
  );
  const where = (i: number) => join(root, 'hosts', HOSTS[i]!, 'rolled', 'where.txt');
  const stopped = await slipway('run', file, ...flags);
  assert.equal(stopped.status === 0, false);
  assert.match(stopped.stderr, /rolling deploy stopped after app-1: the rest was not approved/);
  assert.match(
    stopped.stderr,
    /hint: app-2, app-3 still run the previous version; run with --approve roll to go on/,
  );
  assert.equal(await readFile(where(0), 'utf8'), 'app-1\n');
  await assert.rejects(readFile(where(1)), { code: 'ENOENT' });

  const approved = await slipway('run', file, ...flags, '--approve', 'roll');
  assert.equal(approved.status, 0, approved.stderr);
  assert.deepEqual(await Promise.all([0, 1, 2].map((i) => readFile(where(i), 'utf8'))), [
    'app-1\n',
    'app-2\n',
    'app-3\n',
  ]);
});
