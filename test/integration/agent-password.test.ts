import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { runSlipway } from '../harness/example.js';
import { runOnTerminal } from '../harness/pty.js';
import { createLocalUser, type LocalUser, type Sshd, startSshd } from '../harness/sshd.js';

// Host deployment logging in with a password credential, through `slipway
// run`, against a real sshd that accepts passwords for a throwaway account.

const run = promisify(execFile);
const PASSWORD = `pw-${process.pid}-Kq7v`;
const WRONG = `wrong-${process.pid}-Zx3m`;
let root: string;
let repo: string;
let env: NodeJS.ProcessEnv;
let sshd: Sshd;
let user: LocalUser;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-agent-password-'));
  await run('chmod', ['755', root]);
  user = await createLocalUser(root, `slipway-pw-${process.pid}`, PASSWORD);
  sshd = await startSshd(join(root, 'sshd'), [], { passwords: true });
  const host = { id: 'db-1', address: '127.0.0.1', port: sshd.port, hostKey: sshd.hostKey };
  const groups = {
    // No user here: the login name is the credential's username.
    ops: { credential: 'ops-password', hosts: [host] },
    wrong: { user: user.name, credential: 'wrong-password', hosts: [host] },
    // One sshd under two names, for a rolling deploy in two batches.
    pair: {
      credential: 'ops-password',
      hosts: [
        { ...host, env: { ROLE: 'a' } },
        { ...host, id: 'db-2', env: { ROLE: 'b' } },
      ],
    },
  };
  await writeFile(join(root, 'host-groups.yml'), stringify({ groups }));
  await writeFile(
    join(root, 'credentials.yml'),
    stringify({
      'ops-password': { type: 'password', username: user.name, password: PASSWORD },
      'wrong-password': { type: 'password', username: user.name, password: WRONG },
    }),
  );
  repo = join(root, 'repo');
  await mkdir(join(repo, '.workflow'), { recursive: true });
  const rolling = { step: 'rolling@agent', rollingNum: '1/2', script: 'touch "rolled-$ROLE"' };
  for (const group of ['ops', 'wrong', 'pair']) {
    const step =
      group === 'pair'
        ? { ...rolling, name: 'on_hosts', hostGroupID: group }
        : {
            step: 'shell@agent',
            name: 'on_hosts',
            hostGroupID: group,
            script: ['echo "logged in as $(id -un)" | tee whoami.txt'],
          };
    const pipeline = {
      version: '1.0',
      name: `password-${group}`,
      stages: [
        {
          name: 'deploy',
          steps: [step],
        },
      ],
    };
    await writeFile(join(repo, '.workflow', `${group}.yml`), stringify(pipeline));
  }
  const git = (...args: string[]) => run('git', args, { cwd: repo });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', 'commit', '-qm', 'init');
  env = { PATH: process.env.PATH, HOME: root, SLIPWAY_HOME: join(root, 'state') };
});

after(async () => {
  await sshd?.stop();
  await user?.remove();
  await rm(root, { recursive: true, force: true });
});

const args = (file: string) => [
  'run',
  `.workflow/${file}`,
  '--progress',
  'plain',
  '--credentials',
  join(root, 'credentials.yml'),
  '--host-groups',
  join(root, 'host-groups.yml'),
];
const slipway = (file: string) => runSlipway(args(file), repo, env);

/** Every file slipway wrote in its state folder (logs, reports), as one text. */
async function stateText(): Promise<string> {
  const { stdout } = await run('grep', [
    '-r',
    '-l',
    '-e',
    PASSWORD,
    '-e',
    WRONG,
    env.SLIPWAY_HOME!,
  ]).catch((error: { code?: number; stdout?: string }) => {
    if (error.code === 1) return { stdout: '' };
    throw error;
  });
  return stdout;
}

test('shell@agent logs in with a password credential and runs the script as that user', async () => {
  const result = await slipway('ops.yml');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    await readFile(join(user.home, 'whoami.txt'), 'utf8'),
    `logged in as ${user.name}\n`,
  );
  const lines = `${result.stdout}${result.stderr}`.split('\n');
  assert.ok(lines.includes(`[on_hosts/db-1] logged in as ${user.name}`), result.stderr);
  assert.ok(!`${result.stdout}${result.stderr}`.includes(PASSWORD));
  assert.equal(await stateText(), '');
});

test('a wrong password fails naming the host and never prints the password', async () => {
  const result = await slipway('wrong.yml');
  assert.equal(result.status, 1);
  const printed = `${result.stdout}${result.stderr}`;
  assert.ok(
    printed.includes(
      `logging in to host db-1 (127.0.0.1:${sshd.port}) as ${user.name}: the server refused the credential`,
    ),
    printed,
  );
  assert.ok(
    printed.includes(`check that credential wrong-password is authorised for ${user.name}`),
  );
  for (const secret of [PASSWORD, WRONG]) assert.ok(!printed.includes(secret), secret);
  assert.equal(await stateText(), '');
});

test('rolling@agent asks on a terminal before the second batch; y deploys the rest', async () => {
  const prompt = 'deployed to db-1; continue with db-2? [y/N] ';
  const marker = (role: string) => join(user.home, `rolled-${role}`);
  const result = await runOnTerminal(args('pair.yml'), repo, env, [{ prompt, type: 'y\n' }]);
  assert.equal(result.status, 0, result.screen);
  assert.equal(result.typed, 1);
  assert.equal(result.screen.split(prompt).length, 2, result.screen);
  await Promise.all(['a', 'b'].map((role) => readFile(marker(role))));
  assert.ok(!result.screen.includes(PASSWORD));
});
