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
  const text = await readAccounts(rootfs, file);
  const entry = text === undefined ? undefined : findEntry(text, name);
  if (entry) return Number(entry[2]);
  // BuildKit fails here too ("unable to find user"): a name needs an entry.
  const why =
    text === undefined
      ? `the image has no ${file}`
      : `no entry named ${name} in the image's ${file}`;
  const tools = what === 'user' ? 'useradd or adduser' : 'groupadd or addgroup';
  throw new InputError('UNKNOWN_OWNER', `unable to find ${what} ${name}: ${why}`, {
    hint: `add the ${what} in an earlier RUN (${tools}), or use numeric ids: --chown=UID:GID`,
  });
}

/**
 * The owner BuildKit's file operations (WORKDIR's mkdir) give for a USER value:
 * a name takes its passwd entry's uid and gid, a number is uid and gid, a group
 * after `:` sets the gid; a name with no entry (or no passwd file) counts as 0.
 */
export async function fileOpOwner(rootfs: string, spec: string): Promise<Owner> {
  const [user = '', group] = spec.split(':', 2);
  let owner: Owner = { uid: 0, gid: 0 };
  if (/^\d+$/.test(user)) owner = { uid: Number(user), gid: Number(user) };
  else {
    const entry = await findFileEntry(rootfs, '/etc/passwd', user);
    if (entry) owner = { uid: Number(entry[2]), gid: Number(entry[3]) || 0 };
  }
  if (group === undefined) return owner;
  if (/^\d+$/.test(group)) return { uid: owner.uid, gid: Number(group) };
  const entry = await findFileEntry(rootfs, '/etc/group', group);
  return entry ? { uid: owner.uid, gid: Number(entry[2]) } : owner;
}

/** An account file of the image, or undefined when it has none. */
async function readAccounts(rootfs: string, file: string): Promise<string | undefined> {
  return readFile(await resolveInRoot(rootfs, file), 'utf8').catch(() => undefined);
}

function findEntry(text: string, name: string) {
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === name && /^\d+$/.test(fields[2] ?? ''));
}

async function findFileEntry(rootfs: string, file: string, name: string) {
  const text = await readAccounts(rootfs, file);
  return text === undefined ? undefined : findEntry(text, name);
}
