import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { cacheSub } from './cache-dir.js';
import { stopChild, waitUntil } from './proc.js';

/** A private Docker Engine (Debian's dockerd 20.10, BuildKit v0.8 era) we started. */
export interface PrivateDockerd {
  /** Environment for /usr/bin/docker: DOCKER_HOST, DOCKER_CONFIG. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Starts dockerd with all its state under CACHE (data-root, exec-root, socket), networking
 * off (builds must use `--network host`), and `mirror` as the docker.io registry mirror.
 */
export async function startDockerd(cache: string, mirror: string): Promise<PrivateDockerd> {
  const run = cacheSub(cache, 'run');
  const socket = join(run, 'docker.sock');
  const pidFile = join(run, 'dockerd.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  if (pid > 0 && existsSync(`/proc/${pid}`)) {
    throw new Error(
      `dockerd ${pid} already runs on ${cache} (another bench or conformance run?); ` +
        'wait for it, or give this run its own SLIPWAY_BENCH_CACHE',
    );
  }
  const config = join(run, 'daemon.json');
  // its own config file keeps /etc/docker/daemon.json and /etc/docker/key.json out of it
  writeFileSync(config, JSON.stringify({ 'deprecated-key-path': join(run, 'dockerd-key.json') }));
  const log = openSync(join(run, 'dockerd.log'), 'a');
  const args = [
    `--host=unix://${socket}`,
    `--data-root=${cacheSub(cache, 'docker')}`,
    `--exec-root=${cacheSub(cache, 'docker-exec')}`,
    `--pidfile=${pidFile}`,
    `--config-file=${config}`,
    `--registry-mirror=http://${mirror}`,
    `--insecure-registry=${mirror}`,
    '--storage-driver=overlay2',
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false',
    '--ip-masq=false',
  ];
  const child = spawn('/usr/sbin/dockerd', args, { stdio: ['ignore', log, log] });
  await waitUntil('dockerd', () => ping(socket), child, 60_000);
  const env = {
    ...process.env,
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_CONFIG: cacheSub(cache, 'docker-client'),
    DOCKER_BUILDKIT: '1',
  };
  return { env, stop: () => stopChild(child, 20_000) };
}
