import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { agentDeploy } from '../../src/steps/agent-deploy.js';
import { agentRolling } from '../../src/steps/agent-rolling.js';
import { agentShell } from '../../src/steps/agent-shell.js';
import { makeSpec, makeTestContext, type TestContextOptions } from '../../src/steps/testing.js';
import { freePort, generateKey, type KeyPair, type Sshd, startSshd } from '../harness/sshd.js';

// Host deployment against three real OpenSSH servers on 127.0.0.1.

let root: string;
let key: KeyPair;
let stranger: KeyPair;
const servers: Sshd[] = [];
let groupsFile: string;
let artifactFile: string;
let closedPort: number;

const hostDir = (i: number) => join(root, 'hosts', `web-${i + 1}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-agent-'));
  key = await generateKey(join(root, 'keys'), 'deploy');
  stranger = await generateKey(join(root, 'keys'), 'stranger');
  for (let i = 0; i < 3; i++)
    servers.push(await startSshd(join(root, `sshd-${i}`), [key.publicKey]));
  closedPort = await freePort();
  const host = (i: number, extra: Record<string, unknown> = {}) => ({
    id: `web-${i + 1}`,
    address: '127.0.0.1',
    port: servers[i]!.port,
    hostKey: servers[i]!.hostKey,
    workdir: hostDir(i),
    env: { ROLE: `role-${i + 1}` },
    ...extra,
  });
  const groups = {
    web: {
      user: 'root',
      credential: 'deploy-key',
      parallel: 2,
      hosts: [0, 1, 2].map((i) => host(i)),
    },
    flaky: {
      credential: 'deploy-key',
      hosts: [host(0), host(1, { env: { ROLE: 'x', FAIL: '3' } }), host(2)],
    },
    tofu: {
      credential: 'deploy-key',
      trustOnFirstUse: true,
      hosts: [host(0, { hostKey: undefined })],
    },
    strict: { credential: 'deploy-key', hosts: [host(0, { hostKey: undefined })] },
    wrongkey: { credential: 'deploy-key', hosts: [host(0, { hostKey: servers[1]!.hostKey })] },
    refused: { credential: 'deploy-key', hosts: [host(0), host(1, { port: closedPort })] },
    badcred: { credential: 'stranger-key', hosts: [host(2)] },
  };
  groupsFile = join(root, 'host-groups.yml');
  await writeFile(groupsFile, stringify({ groups }));

  const app = join(root, 'app');
  await mkdir(join(app, 'app'), { recursive: true });
  await writeFile(join(app, 'app', 'run.sh'), 'echo "deployed as $ROLE" > installed.txt\n');
  artifactFile = join(root, 'output.tar.gz');
  execFileSync('tar', ['-czf', artifactFile, '-C', app, 'app']);
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
});

function context(options: TestContextOptions = {}) {
  return makeTestContext({
    credentials: {
      'deploy-key': { kind: 'ssh-key', privateKey: key.privateKey },
      'stranger-key': { kind: 'ssh-key', privateKey: stranger.privateKey },
    },
    artifacts: [{ name: 'BUILD_ARTIFACT', file: artifactFile, step: 'build' }],
    config: { 'host-groups': groupsFile },
    ...options,
  });
}

const deployScript = [
  'cd deploy',
  'tar -xzf output.tar.gz',
  'sh app/run.sh',
  'echo "done on $(basename "$PWD")"',
];

const deploySpec = (group: unknown, name = 'deploy') =>
  makeSpec(
    'deploy@agent',
    {
      hostGroupID: group,
      deployArtifact: [{ source: 'build', name: 'output', target: 'deploy' }],
      script: deployScript,
    },
    name,
  );

test('deploy@agent uploads the artifact and runs the script on every host', async () => {
  const ctx = await context();
  try {
    await agentDeploy.run(deploySpec('web'), ctx);
    for (let i = 0; i < 3; i++) {
      const installed = await readFile(join(hostDir(i), 'deploy', 'installed.txt'), 'utf8');
      assert.equal(installed, `deployed as role-${i + 1}\n`);
    }
    const lines = ctx.lines().sort();
    assert.deepEqual(lines, [
      'web-1: done on deploy',
      'web-2: done on deploy',
      'web-3: done on deploy',
    ]);
  } finally {
    await ctx.cleanup();
  }
});

test('a script failing on one host fails the step naming host and exit code', async () => {
  const ctx = await context();
  const spec = makeSpec('shell@agent', {
    hostGroupID: 'flaky',
    script: 'if [ -n "$FAIL" ]; then echo "boom on $ROLE" >&2; exit "$FAIL"; fi\ntouch shell-ran',
  });
  try {
    await assert.rejects(agentShell.run(spec, ctx), {
      code: 'STEP_FAILED',
      message: `shell script failed on 1 of 3 hosts: web-2 (127.0.0.1:${servers[1]!.port}): script exited with code 3`,
      exitCode: 3,
      outputTail: '[web-2] boom on x',
    });
    await readFile(join(hostDir(0), 'shell-ran'));
    await readFile(join(hostDir(2), 'shell-ran'));
  } finally {
    await ctx.cleanup();
  }
});

test('a host key other than the pinned one is refused', async () => {
  const ctx = await context();
  try {
    await assert.rejects(
      agentShell.run(makeSpec('shell@agent', { hostGroupID: 'wrongkey', script: 'true' }), ctx),
      (error: Error & { hint?: string }) => {
        assert.match(
          error.message,
          new RegExp(
            `^shell script failed on 1 of 1 hosts: host web-1 \\(127\\.0\\.0\\.1:${servers[0]!.port}\\) presented host key SHA256:\\S+, not the one pinned in its host group$`,
          ),
        );
        assert.equal(
          error.hint,
          'if the host was reinstalled, update hostKey in host-groups.yml; otherwise do not connect',
        );
        return true;
      },
    );
  } finally {
    await ctx.cleanup();
  }
});

test('an unknown host key is an error unless the group trusts on first use', async () => {
  const ctx = await context();
  const fingerprint = execFileSync('ssh-keygen', ['-lf', join(servers[0]!.dir, 'host_ed25519.pub')])
    .toString()
    .split(' ')[1];
  try {
    await assert.rejects(
      agentShell.run(makeSpec('shell@agent', { hostGroupID: 'strict', script: 'true' }), ctx),
      {
        message: `shell script failed on 1 of 1 hosts: host web-1 (127.0.0.1:${servers[0]!.port}) presented an unknown host key ${fingerprint}`,
        hint: `pin it as hostKey: '${servers[0]!.hostKey}' in the host group, or set trustOnFirstUse: true`,
      },
    );
    await agentShell.run(makeSpec('shell@agent', { hostGroupID: 'tofu', script: 'true' }), ctx);
    const known = await readFile(join(ctx.stateDir, 'known_hosts'), 'utf8');
    assert.equal(known, `[127.0.0.1]:${servers[0]!.port} ${servers[0]!.hostKey}\n`);
    // Once remembered, the key is known to every group, trusting or not.
    await agentShell.run(makeSpec('shell@agent', { hostGroupID: 'strict', script: 'true' }), ctx);
    const other = servers[1]!.hostKey;
    await writeFile(
      join(ctx.stateDir, 'known_hosts'),
      `[127.0.0.1]:${servers[0]!.port} ${other}\n`,
    );
    await assert.rejects(
      agentShell.run(makeSpec('shell@agent', { hostGroupID: 'tofu', script: 'true' }), ctx),
      {
        message: `shell script failed on 1 of 1 hosts: host web-1 (127.0.0.1:${servers[0]!.port}) presented host key ${fingerprint}, which differs from the one in ${join(ctx.stateDir, 'known_hosts')}`,
      },
    );
  } finally {
    await ctx.cleanup();
  }
});

test('a refused connection names the host and port', async () => {
  const ctx = await context();
  try {
    await assert.rejects(
      agentShell.run(makeSpec('shell@agent', { hostGroupID: 'refused', script: 'true' }), ctx),
      {
        message: `shell script failed on 1 of 2 hosts: connecting to host web-2 (127.0.0.1:${closedPort}): connection refused`,
      },
    );
  } finally {
    await ctx.cleanup();
  }
});

test('a key the host does not accept is a clear login error', async () => {
  const ctx = await context();
  try {
    await assert.rejects(
      agentShell.run(makeSpec('shell@agent', { hostGroupID: 'badcred', script: 'true' }), ctx),
      {
        message: `shell script failed on 1 of 1 hosts: logging in to host web-3 (127.0.0.1:${servers[2]!.port}) as root: the server refused the credential`,
        hint: 'check that credential stranger-key is authorised for root on the host',
      },
    );
  } finally {
    await ctx.cleanup();
  }
});

test('rolling@agent deploys the first share, then the rest only when approved', async () => {
  const marker = (i: number) => join(hostDir(i), 'rolled');
  await Promise.all([0, 1, 2].map((i) => rm(marker(i), { force: true })));
  const spec = makeSpec('rolling@agent', {
    hostGroupID: 'web',
    rollingNum: '1/2',
    script: 'touch rolled',
  });
  const refused = await context({ approve: false });
  try {
    await assert.rejects(agentRolling.run(spec, refused), {
      message: 'rolling deploy stopped after web-1: the rest was not approved',
    });
    assert.deepEqual(refused.questions, ['deployed to web-1; continue with web-2, web-3?']);
    await readFile(marker(0));
    await assert.rejects(readFile(marker(1)), { code: 'ENOENT' });
  } finally {
    await refused.cleanup();
  }
  const approved = await context({ approve: true });
  try {
    await agentRolling.run(spec, approved);
    await Promise.all([0, 1, 2].map((i) => readFile(marker(i))));
  } finally {
    await approved.cleanup();
  }
});

test('hostGroupID can pick some hosts of a group', async () => {
  const ctx = await context();
  const spec = makeSpec('shell@agent', {
    hostGroupID: { ID: 'web', hostID: ['web-3'] },
    script: 'echo "only $ROLE"',
  });
  try {
    await agentShell.run(spec, ctx);
    assert.deepEqual(ctx.lines(), ['web-3: only role-3']);
    const wrong = makeSpec(
      'shell@agent',
      { hostGroupID: { ID: 'web', hostID: ['web-9'] }, script: 'true' },
      's',
    );
    await assert.rejects(agentShell.run(wrong, ctx), {
      message: 'step "s": hostGroupID: group web has no host "web-9"',
      hint: 'hosts: web-1, web-2, web-3',
    });
  } finally {
    await ctx.cleanup();
  }
});

test('no more hosts than the group allows are worked on at once', async () => {
  // Group web has parallel: 2: two hosts start at once, the third only after
  // one of them is done (counted from the order of the events, not times).
  const ctx = await context();
  try {
    await agentShell.run(makeSpec('shell@agent', { hostGroupID: 'web', script: 'true' }), ctx);
    let running = 0;
    let most = 0;
    for (const event of ctx.events) {
      if (event.kind === 'agent.host.start') most = Math.max(most, ++running);
      if (event.kind === 'agent.host.done' || event.kind === 'agent.host.failed') running--;
    }
    assert.equal(most, 2);
    assert.equal(ctx.events.filter((e) => e.kind === 'agent.host.done').length, 3);
  } finally {
    await ctx.cleanup();
  }
});
