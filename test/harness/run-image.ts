import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInSandbox, type SandboxResult } from '../../src/build/sandbox/index.js';
import { freePort } from './registry.js';

// Reading a pushed image back with tools that are not slipway (skopeo pulls
// it, umoci unpacks it and writes its runtime config), then starting its
// entrypoint with slipway's sandbox on the host network.

const run = promisify(execFile);

/** A registry account for skopeo. */
export interface Account {
  username?: string;
  password?: string;
}

/** A pushed image, pulled into an OCI layout and unpacked as a runtime bundle. */
export interface PulledImage {
  /** The digest of the manifest the registry serves for the reference. */
  digest: string;
  manifest: { layers: Array<{ digest: string }>; config: { digest: string } };
  /** The unpacked root filesystem. */
  rootfs: string;
  /** The image's entrypoint and command, user, environment and working folder. */
  process: { args: string[]; env: string[]; cwd: string; user: { uid: number; gid: number } };
}

function creds(flag: string, account: Account): string[] {
  return account.username === undefined
    ? []
    : [flag, `${account.username}:${account.password ?? ''}`];
}

/** What the registry serves for a reference: the manifest's digest, and the config. */
export interface InspectedImage {
  digest: string;
  manifest: { layers: Array<{ digest: string }>; config: { digest: string } };
  config: { config: { Env?: string[]; Entrypoint?: string[]; User?: string } };
}

/** Read `reference`'s manifest and config with skopeo (plain HTTP, no unpacking). */
export async function inspectImage(reference: string, account: Account): Promise<InspectedImage> {
  const flags = ['--tls-verify=false', ...creds('--creds', account)];
  const raw = await run('skopeo', ['inspect', '--raw', ...flags, `docker://${reference}`]);
  const config = await run('skopeo', ['inspect', '--config', ...flags, `docker://${reference}`]);
  return {
    digest: `sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`,
    manifest: JSON.parse(raw.stdout),
    config: JSON.parse(config.stdout),
  };
}

/** Pull `reference` (over plain HTTP) into `dir` and unpack it there with umoci. */
export async function pullImage(
  reference: string,
  account: Account,
  dir: string,
): Promise<PulledImage> {
  const { digest, manifest } = await inspectImage(reference, account);
  await mkdir(dir, { recursive: true });
  const layout = join(dir, 'layout');
  await run('skopeo', [
    ...['copy', '--quiet', '--src-tls-verify=false', ...creds('--src-creds', account)],
    // By digest, so the pulled image is the one inspected.
    ...[`docker://${reference.replace(/:[^/:]+$/, '')}@${digest}`, `oci:${layout}:image`],
  ]);
  const bundle = join(dir, 'bundle');
  await run('umoci', ['unpack', '--image', `${layout}:image`, bundle]);
  const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
    process: PulledImage['process'];
  };
  const { args, env, cwd, user } = spec.process;
  return {
    digest,
    manifest,
    rootfs: join(bundle, 'rootfs'),
    process: { args, env, cwd, user: { uid: user.uid, gid: user.gid } },
  };
}

/** A started image: its output so far, the port it was told to use, and `stop()`. */
export interface RunningImage {
  port: number;
  output: string[];
  /** GET `path` on the image's port, retrying until it answers or `ms` pass. */
  get(path: string, ms?: number): Promise<{ status: number; body: string }>;
  stop(): Promise<SandboxResult>;
}

/** Start the image's entrypoint with slipway's sandbox, with PORT set to a free port. */
export async function startImage(image: PulledImage): Promise<RunningImage> {
  const port = await freePort();
  const output: string[] = [];
  const abort = new AbortController();
  const ended = runInSandbox({
    rootfs: image.rootfs,
    args: image.process.args,
    env: [...image.process.env.filter((e) => !e.startsWith('PORT=')), `PORT=${port}`],
    cwd: image.process.cwd,
    user: { ...image.process.user, additionalGids: [] },
    network: 'host',
    signal: abort.signal,
    onStdout: (line) => output.push(line),
    onStderr: (line) => output.push(line),
  });
  let exited = false;
  void ended.then(
    () => {
      exited = true;
    },
    () => {
      exited = true;
    },
  );
  const get = async (path: string, ms = 20_000) => {
    const until = Date.now() + ms;
    for (;;) {
      try {
        return await httpGet(`http://127.0.0.1:${port}${path}`);
      } catch (error) {
        if (exited || Date.now() > until) {
          throw new Error(`the image did not answer on port ${port}: ${output.join('\n')}`, {
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const stop = () => {
    abort.abort();
    return ended;
  };
  return { port, output, get, stop };
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}
