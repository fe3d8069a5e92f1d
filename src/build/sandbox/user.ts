// USER as Docker resolves it against the image's own /etc/passwd and
// /etc/group: `name`, `uid`, `name:group`, `uid:gid`; numeric ids without an
// entry are allowed, a name without one is an error.

import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors/index.js';
import { resolveInRoot } from './rootpath.js';
import type { SandboxUser } from './types.js';

/** A resolved USER plus the home directory runc would give it. */
export interface ResolvedUser extends SandboxUser {
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;

/** Resolve a Dockerfile USER value (`""` means root) inside `rootfs`. */
export async function resolveUser(rootfs: string, userSpec: string): Promise<ResolvedUser> {
  const [name, groupPart] = splitSpec(userSpec);
  const userPart = name === '' ? '0' : name;
  const passwd = parsePasswd(await readRootFile(rootfs, '/etc/passwd'));
  const uidArg = parseId(userPart);
  const entry = passwd.find(
    (u) => u.name === userPart || (uidArg !== undefined && u.uid === uidArg),
  );
  if (entry === undefined && uidArg === undefined) {
    throw new InputError(
      'USER_NOT_FOUND',
      `unable to find user ${userPart}: no matching entries in passwd file`,
      {
        hint: 'add the user to the image (useradd/adduser) or give a numeric uid',
      },
    );
  }
  const user: ResolvedUser = {
    uid: entry?.uid ?? uidArg ?? 0,
    gid: entry?.gid ?? 0,
    additionalGids: [],
    home: entry?.home ?? '/',
  };

  const groups = parseGroup(await readRootFile(rootfs, '/etc/group'));
  if (groupPart === undefined) {
    // Without an explicit group, Docker adds every group listing the user by name.
    const name = entry?.name;
    if (name !== undefined) {
      user.additionalGids = groups.filter((g) => g.members.includes(name)).map((g) => g.gid);
    }
    return user;
  }
  const gidArg = parseId(groupPart);
  const group = groups.find(
    (g) => g.name === groupPart || (gidArg !== undefined && g.gid === gidArg),
  );
  if (group === undefined && gidArg === undefined) {
    throw new InputError(
      'GROUP_NOT_FOUND',
      `unable to find group ${groupPart}: no matching entries in group file`,
      {
        hint: 'add the group to the image (groupadd/addgroup) or give a numeric gid',
      },
    );
  }
  user.gid = group?.gid ?? gidArg!;
  return user;
}

function splitSpec(spec: string): [string, string | undefined] {
  const colon = spec.indexOf(':');
  return colon < 0 ? [spec, undefined] : [spec.slice(0, colon), spec.slice(colon + 1)];
}

function parseId(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const id = Number(text);
  if (id > MAX_ID)
    throw new InputError('USER_ID_RANGE', `id ${text} is out of range (0-${MAX_ID})`);
  return id;
}

async function readRootFile(rootfs: string, path: string): Promise<string> {
  const host = await resolveInRoot(rootfs, path);
  return readFile(host, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return '';
    throw error;
  });
}

function fields(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

function parsePasswd(text: string): PasswdEntry[] {
  return fields(text).flatMap(([name = '', , uid = '', gid = '', , home = '']) => {
    const ids = [Number.parseInt(uid, 10), Number.parseInt(gid, 10)];
    if (ids.some(Number.isNaN)) return [];
    return [{ name, uid: ids[0]!, gid: ids[1]!, home: home || '/' }];
  });
}

function parseGroup(text: string): GroupEntry[] {
  return fields(text).flatMap(([name = '', , gid = '', members = '']) => {
    const id = Number.parseInt(gid, 10);
    if (Number.isNaN(id)) return [];
    return [{ name, gid: id, members: members.split(',').filter((m) => m !== '') }];
  });
}
