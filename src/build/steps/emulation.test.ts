import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatPlatform, hostPlatform } from '../../image/index.js';
import { requireEmulator } from './emulation.js';

const binfmt = mkdtempSync(join(tmpdir(), 'binfmt-'));
after(() => rmSync(binfmt, { recursive: true, force: true }));
const foreign = hostPlatform().architecture === 's390x' ? 'riscv64' : 's390x';

test('RUN for this machine needs no emulator', async () => {
  await requireEmulator(hostPlatform(), binfmt);
});

test('RUN for another architecture needs its qemu entry enabled', async () => {
  const platform = { os: 'linux', architecture: foreign };
  await assert.rejects(requireEmulator(platform, binfmt), {
    code: 'NO_EMULATOR',
    message: `RUN for linux/${foreign} cannot run on this ${formatPlatform(hostPlatform())} machine: no qemu-${foreign} emulator is registered in ${binfmt}`,
  });
  writeFileSync(join(binfmt, `qemu-${foreign}`), 'disabled\ninterpreter /usr/bin/qemu\n');
  await assert.rejects(requireEmulator(platform, binfmt), { code: 'NO_EMULATOR' });
  writeFileSync(join(binfmt, `qemu-${foreign}`), 'enabled\ninterpreter /usr/bin/qemu\n');
  await requireEmulator(platform, binfmt);
});
