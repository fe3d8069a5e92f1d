import { spawn } from 'node:child_process';
import { lutimesSync } from 'node:fs';
import { InputError } from '../errors/index.js';

/** utimensat(2) syscall numbers on the 64-bit architectures the helper knows. */
const UTIMENSAT: Record<string, number> = { x64: 280, arm64: 88, riscv64: 88, s390x: 315 };

// Node's utimes passes times as a double, which at today's epoch resolves
// about half a microsecond, not a nanosecond. Sub-second times are therefore
// set by one perl process (perl-base is essential in Debian) calling
// utimensat(2) directly with exact timespecs, for every path in one go.
const HELPER = `
$/ = "\\0";
while (defined(my $path = <STDIN>)) {
  chomp $path; my $s = <STDIN>; chomp $s; my $n = <STDIN>; chomp $n;
  my $times = pack("q q q q", $s, $n, $s, $n);
  syscall($ARGV[0], -100, $path, $times, 0x100) == 0 or die "utimensat $path: $!\\n";
}`;

/**
 * Sets mtimes (and atimes) after extraction, when creating children can no
 * longer disturb a directory's. Whole seconds go through lutimes, sub-second
 * times through the utimensat helper (or `touch -h`, per time, elsewhere).
 */
export class MtimeSetter {
  private readonly whole: [string, number][] = [];
  private readonly fractional: [string, string, string][] = [];

  /** Record a path's time, given as a PAX time string (`1700000000.123`). */
  add(path: string, paxTime: string): void {
    const [seconds = '0', fraction = ''] = paxTime.split('.');
    const nanos = fraction.padEnd(9, '0').slice(0, 9);
    if (/^0*$/.test(nanos) || seconds.startsWith('-')) {
      this.whole.push([path, Number(seconds)]);
    } else {
      this.fractional.push([path, seconds, String(Number(nanos))]);
    }
  }

  /** Apply every recorded time. */
  async flush(): Promise<void> {
    for (const [path, seconds] of this.whole) lutimesSync(path, seconds, seconds);
    const syscall = UTIMENSAT[process.arch];
    if (this.fractional.length > 0) {
      if (syscall !== undefined) await runHelper(syscall, this.fractional);
      else await touchEach(this.fractional);
    }
    this.whole.length = 0;
    this.fractional.length = 0;
  }
}

function runHelper(syscall: number, times: [string, string, string][]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('perl', ['-e', HELPER, String(syscall)], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new InputError('SET_MTIME', `setting mtimes: ${stderr.trim() || code}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(Buffer.from(times.map((fields) => `${fields.join('\0')}\0`).join('')));
  });
}

async function touchEach(times: [string, string, string][]): Promise<void> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  for (const [path, seconds, nanos] of times) {
    await run('touch', ['-h', '-d', `@${seconds}.${nanos.padStart(9, '0')}`, '--', path]);
  }
}
