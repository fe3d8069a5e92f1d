import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeImageLayout } from './image-layout.js';

// A multi-platform base image for tests: an OCI layout whose tag names an
// index with one scratch-based manifest per platform. Each platform's layer
// holds /platform.txt (its platform) and /arch/<arch> so that FROM and
// COPY --from show which manifest a build picked. The arm64 one also holds
// /hello, a static aarch64 program (written here byte by byte) that prints
// `hello from arm64`: RUN ["/hello"] needs an emulator on other machines.

const run = promisify(execFile);

/** A multi-platform image in an OCI layout. */
export interface PlatformImage {
  layout: string;
  tag: string;
  /** The digest of the index. */
  indexDigest: string;
  /** Each platform's manifest digest, by `os/arch`. */
  manifests: Record<string, string>;
}

/** Write the index of `platforms` (`linux/amd64`, `linux/arm64`, …) into `dir`. */
export async function makePlatformImage(dir: string, platforms: string[]): Promise<PlatformImage> {
  const layout = join(dir, 'layout');
  await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
  const entries = [];
  const manifests: Record<string, string> = {};
  for (const platform of platforms) {
    const [os = 'linux', architecture = 'amd64', variant] = platform.split('/');
    const work = join(dir, platform.replaceAll('/', '_'));
    const root = join(work, 'rootfs');
    await mkdir(join(root, 'arch'), { recursive: true });
    await writeFile(join(root, 'platform.txt'), `${platform}\n`);
    await writeFile(join(root, 'arch', architecture), '');
    if (architecture === 'arm64') {
      await writeFile(join(root, 'hello'), helloArm64());
      await chmod(join(root, 'hello'), 0o755);
    }
    const own = join(work, 'layout');
    const digests = await writeImageLayout(root, own, work, {
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cmd: ['/hello'],
      createdBy: `slipway test harness: ${platform}`,
      tag: 'latest',
      architecture,
      ...(variant ? { variant } : {}),
    });
    for (const blob of await readdir(join(own, 'blobs/sha256'))) {
      await copyFile(join(own, 'blobs/sha256', blob), join(layout, 'blobs/sha256', blob));
    }
    const bytes = await readFile(join(own, 'blobs/sha256', digests.manifestDigest.slice(7)));
    manifests[platform] = digests.manifestDigest;
    entries.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digests.manifestDigest,
      size: bytes.length,
      platform: { architecture, os, ...(variant ? { variant } : {}) },
    });
  }
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: entries,
  });
  const indexDigest = `sha256:${createHash('sha256').update(index).digest('hex')}`;
  await writeFile(join(layout, 'blobs/sha256', indexDigest.slice(7)), index);
  const top = {
    mediaType: 'application/vnd.oci.image.index.v1+json',
    digest: indexDigest,
    size: Buffer.byteLength(index),
    annotations: { 'org.opencontainers.image.ref.name': 'latest' },
  };
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [top] }),
  );
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { layout, tag: 'latest', indexDigest, manifests };
}

/** Push the index and every platform's image to a plain-HTTP registry with skopeo. */
export async function pushPlatformImage(
  image: PlatformImage,
  registryHost: string,
  repoTag: string,
): Promise<void> {
  await run('skopeo', [
    ...['copy', '--quiet', '--all', '--dest-tls-verify=false'],
    `oci:${image.layout}:${image.tag}`,
    `docker://${registryHost}/${repoTag}`,
  ]);
}

/**
 * A static aarch64 ELF program: write(1, "hello from arm64\n", 17); exit(0).
 * The eight instructions are at file offset 120, the text right after them.
 */
export function helloArm64(): Buffer {
  const base = 0x400000;
  const code = [
    0xd2800020, // mov x0, #1
    0x100000e1, // adr x1, message (28 bytes ahead)
    0xd2800222, // mov x2, #17
    0xd2800808, // mov x8, #64 (write)
    0xd4000001, // svc #0
    0xd2800000, // mov x0, #0
    0xd2800ba8, // mov x8, #93 (exit)
    0xd4000001, // svc #0
  ];
  const message = Buffer.from('hello from arm64\n');
  const size = 120 + code.length * 4 + message.length;
  const elf = Buffer.alloc(size);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(elf, 0); // ELF64, little endian
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(183, 18); // EM_AARCH64
  elf.writeUInt32LE(1, 20); // EV_CURRENT
  elf.writeBigUInt64LE(BigInt(base + 120), 24); // entry
  elf.writeBigUInt64LE(64n, 32); // program headers right after this header
  elf.writeUInt16LE(64, 52); // header size
  elf.writeUInt16LE(56, 54); // program header size
  elf.writeUInt16LE(1, 56); // one program header
  elf.writeUInt32LE(1, 64); // PT_LOAD
  elf.writeUInt32LE(5, 68); // read + execute
  elf.writeBigUInt64LE(0n, 72); // from file offset 0
  elf.writeBigUInt64LE(BigInt(base), 80); // virtual address
  elf.writeBigUInt64LE(BigInt(base), 88); // physical address
  elf.writeBigUInt64LE(BigInt(size), 96); // file size
  elf.writeBigUInt64LE(BigInt(size), 104); // memory size
  elf.writeBigUInt64LE(0x1000n, 112); // alignment
  for (const [i, word] of code.entries()) elf.writeUInt32LE(word, 120 + i * 4);
  message.copy(elf, 120 + code.length * 4);
  return elf;
}
