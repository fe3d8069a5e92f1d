// runInSandbox with both back ends on a busybox rootfs, as root: exit codes,
// output, environment, users, network, mounts, and abort.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DEFAULT_PATH,
  deleteStaleContainers,
  RUNC_STATE_ROOT,
  resolveUser,
  runInSandbox,
  type SandboxBackend,
  type SandboxError,
  type SandboxOptions,
} from '../../src/build/sandbox/index.js';
import type { SlipwayEvent } from '../../src/log/index.js';
import { makeBusyboxRootfs } from './busybox-rootfs.js';

const rootfs = makeBusyboxRootfs();
const hostDir = mkdtempSync(join(tmpdir(), 'slipway-sandbox-host-'));
after(() => {
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(hostDir, { recursive: true, force: true });
});

async function run(backend: SandboxBackend, script: string, extra: Partial<SandboxOptions> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const events: SlipwayEvent[] = [];
  const result = await runInSandbox({
    rootfs,
    args: ['/bin/sh', '-c', script],
    backend,
    onStdout: (line) => stdout.push(line),
    onStderr: (line) => stderr.push(line),
    emit: (event) => events.push(event),
    ...extra,
  });
  return { result, stdout, stderr, events };
}

for (const backend of ['runc', 'namespaces'] as const) {
  describe(`sandbox (${backend})`, () => {
    test('reports its back end and passes the exit code', async () => {
      const { result, events } = await run(backend, 'exit 7');
      assert.deepEqual(result, { exitCode: 7 });
      assert.deepEqual(
        events.map((e) => [e.kind, e.backend]),
        [['sandbox.backend', backend]],
      );
    });

    test('captures stdout and stderr as lines', async () => {
      const { result, stdout, stderr } = await run(backend, 'echo one; echo two >&2; printf three');
      assert.equal(result.exitCode, 0);
      assert.deepEqual(stdout, ['one', 'three']);
      assert.deepEqual(stderr, ['two']);
    });

    test('gives Docker’s environment with the caller’s entries', async () => {
      const { stdout } = await run(backend, 'env | sort', { env: ['A=1', 'B=x y'] });
      assert.deepEqual(stdout, [
        'A=1',
        'B=x y',
        'HOME=/root',
        'HOSTNAME=buildkitsandbox',
        `PATH=${DEFAULT_PATH}`,
        'PWD=/',
        'SHLVL=1',
      ]);
      const own = await run(backend, 'echo $PATH $HOSTNAME; hostname', {
        env: ['PATH=/bin'],
        hostname: 'box',
      });
      assert.deepEqual(own.stdout, ['/bin box', 'box']);
    });

    test('runs in the working directory, creating it', async () => {
      const { stdout } = await run(backend, 'pwd', { cwd: '/work/dir' });
      assert.deepEqual(stdout, ['/work/dir']);
    });

    test('switches to the user resolved from the image', async () => {
      const user = await resolveUser(rootfs, 'app');
      const { stdout } = await run(backend, 'id; echo $HOME; grep ^Cap[EP] /proc/self/status', {
        user,
      });
      assert.deepEqual(stdout, [
        'uid=1000(app) gid=1000(app) groups=29(audio),2000(extra)',
        '/home/app',
        'CapPrm:\t0000000000000000',
        'CapEff:\t0000000000000000',
      ]);
      const numeric = await run(backend, 'id', { user: await resolveUser(rootfs, '4242:4343') });
      assert.deepEqual(numeric.stdout, ['uid=4242 gid=4343']);
    });

    test('gives root Docker’s default capabilities', async () => {
      const { stdout } = await run(backend, 'grep ^CapEff /proc/self/status');
      assert.deepEqual(stdout, ['CapEff:\t00000000a80425fb']);
    });

    test('network none leaves only the loopback interface', async () => {
      const script = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '";
      const { stdout } = await run(backend, script, { network: 'none' });
      assert.deepEqual(stdout, ['lo']);
      const host = await run(backend, script);
      assert.ok(host.stdout.length > 1, `host network shows ${host.stdout}`);
    });

    test('has a read-only /sys, a writable /dev/null and standard devices', async () => {
      const { stdout } = await run(
        backend,
        'mkdir /sys/x 2>/dev/null || echo sys-ro; echo x > /dev/null && echo null-ok; ' +
          'ls /dev | sort | tr "\\n" " "; echo; touch /dev/shm/a && echo shm-ok',
      );
      assert.deepEqual(stdout, [
        'sys-ro',
        'null-ok',
        'fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ',
        'shm-ok',
      ]);
    });

    test('has hosts and resolv.conf without leaving them in the rootfs', async () => {
      const { stdout } = await run(backend, 'cat /etc/hosts; test -f /etc/resolv.conf && echo rc');
      assert.deepEqual(stdout, [
        '127.0.0.1\tlocalhost buildkitsandbox',
        '::1\tlocalhost ip6-localhost ip6-loopback',
        'rc',
      ]);
      assert.deepEqual(readdirSync(join(rootfs, 'etc')).sort(), ['group', 'passwd']);
      assert.equal(existsSync(join(rootfs, 'proc')), false);
      assert.equal(existsSync(join(rootfs, 'dev')), false);
      assert.equal(existsSync(join(rootfs, 'sys')), false);
    });

    test('binds host folders and files, read-only or not, and mounts tmpfs', async () => {
      const shared = mkdtempSync(join(hostDir, `${backend}-`));
      const secret = join(hostDir, `${backend}-secret`);
      writeFileSync(secret, 's3cret');
      const { stdout } = await run(
        backend,
        'echo hi > /cache/out; cat /run/secrets/token; echo; ' +
          'touch /ro/x 2>/dev/null || echo ro-refused; echo t > /scratch/t; cat /scratch/t',
        {
          mounts: [
            { type: 'bind', source: shared, target: '/cache' },
            { type: 'bind', source: secret, target: '/run/secrets/token', readonly: true },
            { type: 'bind', source: shared, target: '/ro', readonly: true },
            { type: 'tmpfs', target: '/scratch' },
          ],
        },
      );
      assert.deepEqual(stdout, ['s3cret', 'ro-refused', 't']);
      assert.equal(readFileSync(join(shared, 'out'), 'utf8'), 'hi\n');
      for (const created of ['cache', 'run', 'ro', 'scratch']) {
        assert.equal(existsSync(join(rootfs, created)), false, created);
      }
    });

    test('a sandbox that cannot be set up is an error, not an exit code', async () => {
      const mounts = [{ type: 'tmpfs' as const, target: '/bad', size: -1 }];
      await assert.rejects(run(backend, 'true', { mounts }), (error: SandboxError) => {
        assert.equal(error.code, 'SANDBOX');
        assert.match(error.message, /^sandbox: .*\/bad/);
        return true;
      });
      assert.equal(existsSync(join(rootfs, 'bad')), false);
    });

    test('a command that cannot be executed is an error', async () => {
      const options = { rootfs, backend, args: ['/no/such/command'] };
      await assert.rejects(runInSandbox(options), (error: SandboxError) => {
        assert.equal(error.code, 'SANDBOX');
        assert.match(error.message, /^sandbox: .*exec: .*\/no\/such\/command.*no such file/i);
        return true;
      });
    });

    test('abort kills every process of the sandbox', async () => {
      const marker = backend === 'runc' ? '4711' : '4712';
      const controller = new AbortController();
      const { result } = await run(
        backend,
        `sleep ${marker} & (sleep ${marker}; true) & echo started; wait`,
        {
          signal: controller.signal,
          onStdout: (line) => line === 'started' && controller.abort(),
        },
      );
      assert.deepEqual(result, { exitCode: 137, signal: 'SIGKILL' });
      assert.deepEqual(processesWithArg(marker), []);
    });
  });
}

test('a container left by a slipway process that died is deleted, others are kept', async () => {
  const bundle = mkdtempSync(join(tmpdir(), 'slipway-stale-bundle-'));
  // The created container's init holds its stdio open: give it none to hold.
  const runc = (...args: string[]) =>
    execFileSync('runc', ['--root', RUNC_STATE_ROOT, ...args], {
      cwd: bundle,
      stdio: ['ignore', args[0] === 'list' ? 'pipe' : 'ignore', 'inherit'],
    });
  execFileSync('runc', ['spec'], { cwd: bundle });
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.root = { path: rootfs, readonly: true };
  spec.process.terminal = false;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const deadPid = spawnSync('true').pid;
  const stale = `slipway-${deadPid}-0badc0ffee00`;
  const live = `slipway-${process.pid}-0badc0ffee01`;
  try {
    for (const id of [stale, live]) runc('create', '--bundle', bundle, id);
    assert.deepEqual(await deleteStaleContainers(), [stale]);
    const left = String(runc('list', '--quiet')).split('\n');
    assert.equal(left.includes(stale), false);
    assert.equal(left.includes(live), true);
  } finally {
    for (const id of [stale, live])
      spawnSync('runc', ['--root', RUNC_STATE_ROOT, 'delete', '-f', id]);
    rmSync(bundle, { recursive: true, force: true });
  }
});

function processesWithArg(arg: string): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(arg);
      } catch {
        return false;
      }
    });
}
