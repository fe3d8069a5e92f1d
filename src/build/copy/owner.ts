import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors/index.js';
import { resolveInRoot } from './resolve.js';

// `COPY --chown=user[:group]`: names are looked up in the image's /etc/passwd
// and /etc/group, numeric ids need no entry, and a user given without a group
// takes the user's numeric id as its group id, as Docker documents.

/** A numeric owner. */
export interface Owner {
  uid: number;
  gid: number;
}

/** Resolve a --chown value against the files of `rootfs` (the destination image). */
export async function resolveChown(rootfs: string, spec: string): Promise<Owner> {
  const [user = '', group] = spec.split(':', 2);
  if (user === '') throw new InputError('INVALID_CHOWN', `invalid --chown ${spec}: empty user`);
  const uid = await lookupId(rootfs, '/etc/passwd', user, 'user');
  const gid = group === undefined ? uid : await lookupId(rootfs, '/etc/group', group, 'group');
  return { uid, gid };
}

async function lookupId(
  rootfs: string,
  file: string,
  name: string,
  what: 'user' | 'group',
): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  const path = await resolveInRoot(rootfs, file);
  const text = await readFile(path, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[2] !== undefined && /^\d+$/.test(fields[2])) {
      return Number(fields[2]);
    }
  }
  throw new InputError('UNKNOWN_OWNER', `unable to find ${what} ${name}: no entry in ${file}`, {
    hint: `add the ${what} to the image first, or use a numeric id`,
  });
}
