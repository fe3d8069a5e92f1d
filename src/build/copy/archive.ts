import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

// ADD unpacks local tar archives, plain or compressed with gzip, bzip2, xz or
// zstd; a compressed file that is not a tar inside is copied as it is.

const DECOMPRESSORS: { magic: number[]; command: string }[] = [
  { magic: [0x1f, 0x8b], command: 'gzip' },
  { magic: [0x42, 0x5a, 0x68], command: 'bzip2' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], command: 'xz' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], command: 'zstd' },
];

/** Whether ADD unpacks this file. */
export async function isArchive(path: string): Promise<boolean> {
  const head = await readHead(path);
  const decompressor = compressionOf(head);
  if (decompressor === undefined) return isTarHeader(head);
  return isTarHeader(await decompressedHead(decompressor, path));
}

/** Unpack an archive into a host directory, keeping the owners and modes it records. */
export async function unpackArchive(path: string, destination: string): Promise<void> {
  const args = ['-x', '-f', path, '-C', destination, '--numeric-owner', '-p'];
  const decompressor = compressionOf(await readHead(path));
  if (decompressor === 'zstd') args.push('--zstd');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`unpacking ${path}: tar exited ${code}: ${stderr.trim()}`));
    });
  });
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buffer, 0, 512, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function compressionOf(head: Buffer): string | undefined {
  return DECOMPRESSORS.find(({ magic }) => magic.every((byte, i) => head[i] === byte))?.command;
}

function isTarHeader(head: Buffer): boolean {
  if (head.length < 512) return false;
  const magic = head.subarray(257, 262).toString('latin1');
  if (magic === 'ustar') return true;
  // A pre-POSIX tar: check the header checksum.
  let sum = 0;
  for (let i = 0; i < 512; i += 1) sum += i >= 148 && i < 156 ? 32 : (head[i] as number);
  const recorded = Number.parseInt(head.subarray(148, 156).toString('latin1').trim(), 8);
  return recorded === sum;
}

function decompressedHead(command: string, path: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const child = spawn(command, ['-dc', path], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let length = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= 512) child.kill();
    });
    child.on('error', () => resolve(Buffer.alloc(0)));
    child.on('close', () => resolve(Buffer.concat(chunks).subarray(0, 512)));
  });
}
