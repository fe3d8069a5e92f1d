import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheSub } from './cache-dir.js';
import { freePort, stopChild, waitUntil } from './proc.js';

/** A CNCF distribution registry we started on 127.0.0.1 (plain HTTP, no auth). */
export interface LocalRegistry {
  /** `127.0.0.1:PORT`, the host part of image references. */
  host: string;
  stop(): Promise<void>;
}

/** Starts Debian's docker-registry on a free port; its storage persists in the cache. */
export async function startRegistry(cache: string): Promise<LocalRegistry> {
  const port = await freePort();
  const run = cacheSub(cache, 'run');
  const config = join(run, `registry-${port}.yml`);
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: warn, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${cacheSub(cache, 'registry')}}, ` +
        'delete: {enabled: true}}',
      `http: {addr: "127.0.0.1:${port}", secret: bench-${port}}`,
      '',
    ].join('\n'),
  );
  const log = openSync(join(run, `registry-${port}.log`), 'a');
  const child = spawn('/usr/bin/docker-registry', ['serve', config], {
    stdio: ['ignore', log, log],
  });
  const host = `127.0.0.1:${port}`;
  await waitUntil(
    `registry on ${host}`,
    async () => (await fetch(`http://${host}/v2/`)).status === 200,
    child,
  );
  return { host, stop: () => stopChild(child) };
}
