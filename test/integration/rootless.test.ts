// Rootless: the sandbox run by a regular user (nobody, through setpriv) makes
// a user namespace where it is root, and says why it cannot switch users.
// Builds by regular users, through the CLI, are in rootless-build.test.ts.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeBusyboxRootfs } from './busybox-rootfs.js';

const rootfs = makeBusyboxRootfs();
execFileSync('chown', ['-R', '65534:65534', rootfs]);
after(() => rmSync(rootfs, { recursive: true, force: true }));

const sandbox = fileURLToPath(new URL('../../src/build/sandbox/index.js', import.meta.url));

/** Runs `body` (ESM, with runInSandbox and rootfs in scope) as nobody; returns its stdout. */
function asNobody(body: string): string {
  const script = `import { runInSandbox } from ${JSON.stringify(sandbox)};
const rootfs = ${JSON.stringify(rootfs)};
${body}`;
  return execFileSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module'],
    { input: script, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/tmp' } },
  );
}

test('a regular user runs steps as root of a user namespace', () => {
  const out = asNobody(`
const lines = [];
const events = [];
const result = await runInSandbox({
  rootfs,
  network: 'none',
  args: ['/bin/sh', '-c', 'id; cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d " "; echo x > /made'],
  onStdout: (line) => lines.push(line),
  onStderr: (line) => lines.push('stderr: ' + line),
  emit: (event) => events.push(event.message),
});
console.log(JSON.stringify({ result, lines, events }));`);
  assert.deepEqual(JSON.parse(out), {
    result: { exitCode: 0 },
    lines: ['uid=0(root) gid=0(root)', 'lo'],
    events: ['sandbox: namespaces (rootless, user namespace)'],
  });
});

test('a regular user gets a clear error for USER with another uid', () => {
  const out = asNobody(`
const user = { uid: 1000, gid: 1000, additionalGids: [] };
await runInSandbox({ rootfs, args: ['id'], user }).catch((e) => console.log(e.code, e.message));`);
  assert.equal(
    out,
    'SANDBOX cannot switch to uid 1000 rootless: the user namespace maps only root\n',
  );
});

test('the build library called by a regular user outside a user namespace says why', () => {
  const build = fileURLToPath(new URL('../../src/build/index.js', import.meta.url));
  const out = asNobody(`
const { buildImage } = await import(${JSON.stringify('file://')} + ${JSON.stringify(build)});
await buildImage({ contextDir: rootfs, emit: () => {} }).catch((e) =>
  console.log(e.code, e.message, '|', e.hint));`);
  assert.equal(
    out,
    'ROOT_REQUIRED building needs root or a user namespace where slipway is root: ' +
      'it mounts overlay snapshots and sets file owners | ' +
      'run as root, or run `slipway build`, which enters a user namespace by itself ' +
      'for a regular user\n',
  );
});

test('a mapping the system refuses stops the rootless build with unshare’s words', () => {
  // nobody has no subordinate ids; facts that claim a range make unshare --map-auto refuse.
  const rootless = fileURLToPath(new URL('../../src/cli/rootless.js', import.meta.url));
  const out = asNobody(`
const { runInUserNamespace } = await import(${JSON.stringify('file://')} + ${JSON.stringify(rootless)});
const range = 'nobody:100000:65536\\n';
const host = { uid: 65534, userName: 'nobody', subuid: range, subgid: range, idMapTools: true };
await runInUserNamespace(['true'], {}, () => {}, host).then(
  (status) => console.log('status', status),
  (e) => console.log(e.code, e.message, '|', e.hint),
);`);
  assert.equal(
    out,
    'USERNS_FAILED cannot enter a user namespace: ' +
      'unshare: no line matching user "nobody" in /etc/subuid: Success | ' +
      'check that /etc/subuid and /etc/subgid list your user, that newuidmap and newgidmap ' +
      'are setuid root, and that no security module forbids user namespaces\n',
  );
});
