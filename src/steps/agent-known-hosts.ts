import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import type { Host } from './agent-host-groups.js';

// Host key checks. A key pinned in the host group must match; otherwise the
// key remembered in slipway's known_hosts file (OpenSSH's format) must match;
// otherwise the key is unknown, an error unless the group trusts on first use,
// in which case it is remembered.

/** A host whose key did not pass; the message says which key and what to do. */
export class HostKeyError extends SlipwayError {
  constructor(message: string, hint: string) {
    super('HOST_KEY', message, { hint });
  }
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` and unpadded base64. */
export function fingerprint(blob: Buffer): string {
  const digest = createHash('sha256').update(blob).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** `type base64` of a raw public key blob as the SSH protocol sends it. */
export function keyLine(blob: Buffer): string {
  const typeLength = blob.readUInt32BE(0);
  return `${blob.subarray(4, 4 + typeLength).toString()} ${blob.toString('base64')}`;
}

/** How known_hosts names a host: `addr`, or `[addr]:port` off port 22. */
export function knownHostsName(host: Host): string {
  return host.port === 22 ? host.address : `[${host.address}]:${host.port}`;
}

/** Decide about the key a host presented; throws HostKeyError if it may not be used. */
export async function checkHostKey(host: Host, blob: Buffer, knownHostsFile: string) {
  const presented = keyLine(blob);
  const where = `host ${host.id} (${host.address}:${host.port})`;
  const print = fingerprint(blob);
  if (host.hostKey !== undefined) {
    if (host.hostKey === presented) return;
    throw new HostKeyError(
      `${where} presented host key ${print}, not the one pinned in its host group`,
      'if the host was reinstalled, update hostKey in host-groups.yml; otherwise do not connect',
    );
  }
  const name = knownHostsName(host);
  const known = (await readKnownHosts(knownHostsFile)).filter((k) => k.name === name);
  const sameType = known.filter((k) => k.key.split(' ')[0] === presented.split(' ')[0]);
  if (sameType.some((k) => k.key === presented)) return;
  if (sameType.length > 0) {
    throw new HostKeyError(
      `${where} presented host key ${print}, which differs from the one in ${knownHostsFile}`,
      `if the host was reinstalled, remove the line for ${name} from ${knownHostsFile}`,
    );
  }
  if (!host.trustOnFirstUse) {
    throw new HostKeyError(
      `${where} presented an unknown host key ${print}`,
      `pin it as hostKey: '${presented}' in the host group, or set trustOnFirstUse: true`,
    );
  }
  await mkdir(dirname(knownHostsFile), { recursive: true });
  await appendFile(knownHostsFile, `${name} ${presented}\n`, { mode: 0o600 });
}

async function readKnownHosts(file: string): Promise<{ name: string; key: string }[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .flatMap((line) => {
      const [names = '', type = '', key = ''] = line.trim().split(/\s+/);
      return names.split(',').map((name) => ({ name, key: `${type} ${key}` }));
    });
}
