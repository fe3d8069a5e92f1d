import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseDockerfile, type Stage } from '../dockerfile/index.js';
import type { SlipwayError } from '../errors/index.js';
import { formatPlatform, hostPlatform, type Platform } from '../image/index.js';
import type { BuildEnv } from './env.js';
import { checkEmulators, targetPlatforms } from './platforms.js';
import { globalScope, platformArgs } from './scope.js';
import { stagePlatform } from './stage.js';

// The checks a multi-platform build makes before its first step: which
// platforms --platform names, and whether each RUN can execute here (against
// an empty binfmt_misc folder, so no emulator is registered).

const binfmt = mkdtempSync(join(tmpdir(), 'binfmt-'));
after(() => rmSync(binfmt, { recursive: true, force: true }));
const foreign: Platform = {
  os: 'linux',
  architecture: hostPlatform().architecture === 's390x' ? 'riscv64' : 's390x',
};

/** Just what checkEmulators reads of a build's env. */
function envFor(text: string, platform: Platform): BuildEnv {
  const parsed = parseDockerfile(text, { file: 'Dockerfile' });
  const globalArgs = globalScope([], {}, platformArgs(platform));
  return { parsed, platform, globalArgs, options: {} } as unknown as BuildEnv;
}

test('--platform values: comma-separated, repeated, deduplicated, normalised', () => {
  assert.deepEqual(targetPlatforms(['linux/amd64,linux/arm64', 'linux/aarch64', 'linux/arm/v6']), [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v6' },
  ]);
  assert.deepEqual(targetPlatforms(undefined), [hostPlatform()]);
  // buildx's `local` names this machine's platform.
  assert.deepEqual(targetPlatforms(['local']), [hostPlatform()]);
});

test('--platform for another OS than Linux is a usage error', () => {
  for (const text of ['windows/amd64', 'linux/amd64,darwin/arm64']) {
    const os = text.includes('windows') ? 'windows/amd64' : 'darwin/arm64';
    assert.throws(() => targetPlatforms([text]), {
      name: 'UsageError',
      message:
        `--platform ${os}: operating system ${os.split('/')[0]} is not supported: ` +
        'slipway builds Linux images only',
      hint: `build for Linux, e.g. --platform linux/${os.split('/')[1]}`,
    });
  }
});

test('--platform with an unknown architecture or OS is a usage error naming it', () => {
  const architectures =
    '386, amd64, amd64p32, arm, armbe, arm64, arm64be, loong64, mips, mipsle, mips64, ' +
    'mips64le, mips64p32, mips64p32le, ppc, ppc64, ppc64le, riscv, riscv64, s390, s390x, ' +
    'sparc, sparc64, wasm';
  assert.throws(() => targetPlatforms(['linux/amd64,linux/bogus']), {
    name: 'UsageError',
    message: '--platform linux/bogus: unknown architecture "bogus"',
    hint: `give one of ${architectures}; e.g. linux/amd64, linux/arm/v7`,
  });
  assert.throws(() => targetPlatforms(['amd46']), {
    message: '--platform amd46: unknown architecture "amd46"',
  });
  assert.throws(() => targetPlatforms(['bogus/arm64']), {
    name: 'UsageError',
    message: '--platform bogus/arm64: unknown operating system "bogus"',
    hint: 'give linux/ARCH (Linux is what slipway builds), e.g. linux/arm64',
  });
  // Variants, aliases and bare architectures stay as docker takes them.
  assert.deepEqual(targetPlatforms(['linux/arm/v7', 'linux/arm64/v8', 'x86_64', 'riscv64']), [
    { os: 'linux', architecture: 'arm', variant: 'v7' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'riscv64' },
  ]);
});

test('FROM --platform with an unknown architecture names the line and the value', () => {
  const env = envFor('FROM --platform=$ARCH busybox\n', hostPlatform());
  const stage = env.parsed.stages[0] as Stage;
  const globalArgs = new Map([['ARCH', 'linux/amd46']]);
  assert.throws(() => stagePlatform({ ...env, globalArgs }, stage), {
    code: 'INVALID_PLATFORM',
    message: 'FROM --platform=$ARCH (linux/amd46): unknown architecture "amd46"',
    location: { file: 'Dockerfile', line: 1, column: 1 },
  });
});

test('a RUN for a platform with no emulator fails before building, naming its line', async () => {
  const text =
    'FROM --platform=$BUILDPLATFORM busybox AS tools\nRUN make\n' +
    'FROM busybox\nCOPY --from=tools /out /out\nRUN ./check\n';
  await assert.rejects(checkEmulators(envFor(text, foreign), binfmt), (error: SlipwayError) => {
    const name = `qemu-${foreign.architecture}`;
    assert.equal(
      error.describe(),
      `Dockerfile:5:1: RUN for ${formatPlatform(foreign)} cannot run on this ` +
        `${formatPlatform(hostPlatform())} machine: no ${name} emulator is registered in ` +
        `${binfmt}\n  hint: install qemu-user-static and binfmt-support (Debian) to register ` +
        'one, or build for this machine without --platform',
    );
    return true;
  });
  // Only the stage on the build platform runs anything: no emulator needed.
  const native = 'FROM --platform=$BUILDPLATFORM busybox AS tools\nRUN make\nFROM scratch\n';
  await checkEmulators(envFor(`${native}COPY --from=tools /out /out\n`, foreign), binfmt);
});
