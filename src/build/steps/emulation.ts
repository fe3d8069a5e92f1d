import { readdir, readFile } from 'node:fs/promises';
import { SlipwayError } from '../../errors/index.js';
import { hostPlatform, type Platform, platformName } from '../../image/index.js';

// RUN for another architecture than this machine's needs an emulator that the
// kernel starts for foreign binaries (binfmt_misc, as qemu-user-static
// registers). Without one the step would die with "exec format error".

const BINFMT = '/proc/sys/fs/binfmt_misc';

/** The names qemu's binfmt entries use for OCI architectures. */
const QEMU_NAMES: Record<string, string> = {
  arm64: 'aarch64',
  arm: 'arm',
  amd64: 'x86_64',
  '386': 'i386',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64el',
};

/** Fail clearly when RUN cannot execute binaries of `platform` here. */
export async function requireEmulator(platform: Platform, binfmt = BINFMT): Promise<void> {
  const host = hostPlatform();
  if (platform.architecture === host.architecture) return;
  const wanted = `qemu-${QEMU_NAMES[platform.architecture] ?? platform.architecture}`;
  const entries = await readdir(binfmt).catch(() => [] as string[]);
  for (const name of entries.filter((e) => e === wanted)) {
    const text = await readFile(`${binfmt}/${name}`, 'utf8').catch(() => '');
    if (text.startsWith('enabled')) return;
  }
  throw new SlipwayError(
    'NO_EMULATOR',
    `RUN for ${platformName(platform)} cannot run on this ` +
      `${platformName(host)} machine: ` +
      `no ${wanted} emulator is registered in ${binfmt}`,
    {
      hint:
        'install qemu-user-static and binfmt-support (Debian) to register one, ' +
        'or build for this machine without --platform',
    },
  );
}
