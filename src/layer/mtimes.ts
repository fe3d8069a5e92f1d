import { execFile } from 'node:child_process';
import { lutimes } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BATCH = 200;

/**
 * Sets mtimes (and atimes) after extraction, when creating children can no
 * longer disturb a directory's. Whole seconds go through lutimes; node's
 * utimes passes times as a double, which cannot hold nanoseconds at today's
 * epoch, so sub-second times are set with `touch -h -d @S.N`, batched by time.
 */
export class MtimeSetter {
  private readonly whole: [string, number][] = [];
  private readonly fractional = new Map<string, string[]>();

  /** Record a path's time, given as a PAX time string (`1700000000.123`). */
  add(path: string, paxTime: string): void {
    const [seconds = '0', fraction = ''] = paxTime.split('.');
    const nanos = fraction.padEnd(9, '0').slice(0, 9);
    if (/^0*$/.test(nanos)) {
      this.whole.push([path, Number(seconds)]);
      return;
    }
    const stamp = `@${seconds}.${nanos}`;
    const paths = this.fractional.get(stamp) ?? [];
    paths.push(path);
    this.fractional.set(stamp, paths);
  }

  /** Apply every recorded time. */
  async flush(): Promise<void> {
    for (const [path, seconds] of this.whole) await lutimes(path, seconds, seconds);
    for (const [stamp, paths] of this.fractional) {
      for (let i = 0; i < paths.length; i += BATCH) {
        await run('touch', ['-h', '-d', stamp, '--', ...paths.slice(i, i + BATCH)]);
      }
    }
    this.whole.length = 0;
    this.fractional.clear();
  }
}
