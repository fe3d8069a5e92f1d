import { readFileSync } from 'node:fs';
import { SlipwayError } from '../errors/index.js';

// User namespaces: whether this process runs in one (a rootless build), which
// ids it maps, and the subordinate ranges /etc/subuid and /etc/subgid grant.

/** One line of /proc/PID/uid_map: `count` ids from `inside` are `outside` on the host. */
export interface IdRange {
  inside: number;
  outside: number;
  count: number;
}

/** The id maps of a user namespace other than the host's. */
export interface UserNamespace {
  uids: IdRange[];
  gids: IdRange[];
  /** Whether setgroups(2) is allowed (newgidmap allows it, a single mapping denies it). */
  setgroups: boolean;
}

/** Parse the text of a uid_map or gid_map file. */
export function parseIdMap(text: string): IdRange[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((fields) => fields.length === 3 && fields.every(Number.isInteger))
    .map(([inside, outside, count]) => ({ inside: inside!, outside: outside!, count: count! }));
}

let cached: { namespace: UserNamespace | undefined } | undefined;

/** The user namespace this process runs in, or undefined in the host's (an identity map). */
export function currentUserNamespace(): UserNamespace | undefined {
  cached ??= { namespace: readUserNamespace() };
  return cached.namespace;
}

function readUserNamespace(): UserNamespace | undefined {
  const read = (name: string, fallback: string) => {
    try {
      return readFileSync(`/proc/self/${name}`, 'utf8');
    } catch {
      return fallback;
    }
  };
  const uids = parseIdMap(read('uid_map', '0 0 4294967295'));
  const [first] = uids;
  const identity = uids.length === 1 && first?.inside === 0 && first.outside === 0;
  if (identity && first.count === 4294967295) return undefined;
  return {
    uids,
    gids: parseIdMap(read('gid_map', '')),
    setgroups: read('setgroups', 'allow').trim() !== 'deny',
  };
}

/** Whether `id` is one of the ids the ranges map. */
export function idMapped(ranges: IdRange[], id: number): boolean {
  return ranges.some((range) => id >= range.inside && id < range.inside + range.count);
}

/** The host id that `id` inside stands for, if mapped. */
export function hostId(ranges: IdRange[], id: number): number | undefined {
  const range = ranges.find((r) => id >= r.inside && id < r.inside + r.count);
  return range === undefined ? undefined : range.outside + id - range.inside;
}

/** A block of subordinate ids: `count` ids from `start`. */
export interface SubordinateRange {
  start: number;
  count: number;
}

/** The first range /etc/subuid-format text grants a user, matched by name or number. */
export function subordinateRange(
  text: string,
  user: { name: string; id: number },
): SubordinateRange | undefined {
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== user.name && owner !== String(user.id)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (Number.isInteger(range.start) && Number.isInteger(range.count) && range.count > 0) {
      return range;
    }
  }
  return undefined;
}

/** What to do when the build needs ids its user namespace does not map. */
/** The kernel settings that stop regular users from making user namespaces (none: allowed). */
export function userNamespaceBlocks(
  maxUserNamespaces: string | undefined,
  unprivilegedClone: string | undefined,
): string[] {
  const blocks: string[] = [];
  if (Number(maxUserNamespaces ?? '1') === 0) blocks.push('user.max_user_namespaces is 0');
  if (unprivilegedClone?.trim() === '0') blocks.push(CLONE_OFF);
  return blocks;
}

/** Debian's own switch for unprivileged user namespaces, turned off. */
export const CLONE_OFF = 'kernel.unprivileged_userns_clone is 0';

export const SUBORDINATE_IDS_HINT =
  'give your user subordinate ids in /etc/subuid and /etc/subgid ' +
  '(as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER)';

/**
 * An owner change refused with EINVAL names an id the user namespace does not
 * map: say so, and how to map more ids. Other errors pass through unchanged.
 */
export function explainOwnerError(error: unknown, uid: number, gid: number, path?: string) {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (code !== 'EINVAL' || !syscall?.includes('chown')) return error;
  return new SlipwayError(
    'UNMAPPED_ID',
    `cannot set owner ${uid}:${gid}${path === undefined ? '' : ` on ${path}`}: ` +
      'the id is not mapped in the user namespace slipway builds in',
    {
      cause: error,
      hint: SUBORDINATE_IDS_HINT,
    },
  );
}
