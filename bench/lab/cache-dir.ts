import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the benchmarks keep base images, daemons' data and builders' storage. */
export function benchCache(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.SLIPWAY_BENCH_CACHE || '/var/tmp/slipway-bench';
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A folder under the cache, created if missing. */
export function cacheSub(cache: string, ...parts: string[]): string {
  const dir = join(cache, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
