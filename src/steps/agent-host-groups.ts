import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { InputError } from '../errors/index.js';

// Host groups come from `host-groups.yml` (or `--host-groups FILE`), never the
// pipeline file, so the pipeline names a group and the machine owner decides
// the addresses, users, credentials and host keys:
//   groups:
//     web:
//       user: deploy            # defaults for the hosts below
//       credential: deploy-key  # an ssh-key or password credential id
//       trustOnFirstUse: false
//       parallel: 4
//       hosts:
//         - {id: web-1, address: 10.0.0.5, port: 22, hostKey: 'ssh-ed25519 AAAA…'}

/** One host of a group, with the group's defaults filled in. */
export interface Host {
  id: string;
  address: string;
  port: number;
  /** Unset: the credential's username, else root. */
  user?: string;
  credential: string;
  /** `type base64` of the expected host key, if pinned here. */
  hostKey?: string;
  trustOnFirstUse: boolean;
  /** The folder scripts start in and relative targets resolve against. */
  workdir?: string;
  env: Record<string, string>;
}

/** A named set of hosts. */
export interface HostGroup {
  id: string;
  hosts: Host[];
  /** How many hosts are worked on at once. */
  parallel: number;
}

const DEFAULT_PARALLEL = 5;

/** The config file's default place. */
export function hostGroupsPath(stateDir: string): string {
  return join(stateDir, 'host-groups.yml');
}

/** Read every group of `file`; errors name the file and line. */
export async function loadHostGroups(file: string): Promise<Map<string, HostGroup>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new InputError('HOST_GROUPS', `no host groups file at ${file}`, {
      hint: 'write one (see docs/host-deploy.md) or pass --host-groups FILE',
    });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const fail = (message: string, offset = 0) =>
    new InputError('HOST_GROUPS', message, {
      location: { file, line: lines.linePos(offset).line },
    });
  if (doc.errors.length > 0) throw fail(doc.errors[0]!.message, doc.errors[0]!.pos[0]);
  const groupsNode = doc.get('groups');
  if (!isMap(groupsNode)) throw fail('groups: must be a map of group id to settings');
  // Converted as a whole so that anchors and aliases (`*web-defaults`) resolve.
  const values = (doc.toJS() as { groups: Record<string, unknown> }).groups;
  const groups = new Map<string, HostGroup>();
  for (const pair of groupsNode.items) {
    const id = String((pair.key as { value?: unknown }).value);
    const offset = (pair.key as { range?: [number] }).range?.[0] ?? 0;
    const raw = values[id];
    groups.set(
      id,
      parseGroup(id, raw, (m) => fail(`group ${id}: ${m}`, offset)),
    );
  }
  return groups;
}

type Fail = (message: string) => InputError;

function parseGroup(id: string, raw: unknown, fail: Fail): HostGroup {
  if (!isRecord(raw)) throw fail('must be a map');
  const hosts = raw.hosts;
  if (!Array.isArray(hosts) || hosts.length === 0) throw fail('hosts: must be a non-empty list');
  const parallel = raw.parallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || (parallel as number) < 1) {
    throw fail('parallel: must be a whole number of at least 1');
  }
  const parsed = hosts.map((host, i) => parseHost(raw, host, (m) => fail(`hosts[${i}]: ${m}`)));
  const seen = new Set<string>();
  for (const host of parsed) {
    if (seen.has(host.id)) throw fail(`host id ${host.id} appears twice`);
    seen.add(host.id);
  }
  return { id, hosts: parsed, parallel: parallel as number };
}

function parseHost(group: Record<string, unknown>, raw: unknown, fail: Fail): Host {
  if (!isRecord(raw)) throw fail('must be a map');
  const pick = (key: string) => raw[key] ?? group[key];
  const text = (key: string, fallback?: string): string => {
    const value = pick(key) ?? fallback;
    if (typeof value !== 'string' || value === '') throw fail(`${key}: must be a non-empty string`);
    return value;
  };
  const address = text('address');
  const port = pick('port') ?? 22;
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    throw fail('port: must be a number from 1 to 65535');
  }
  const hostKey = pick('hostKey');
  if (hostKey !== undefined && (typeof hostKey !== 'string' || !/^\S+ \S+/.test(hostKey))) {
    throw fail("hostKey: must read 'TYPE BASE64', as in a .pub file or known_hosts");
  }
  const env = pick('env') ?? {};
  if (!isRecord(env)) throw fail('env: must be a map');
  const workdir = pick('workdir');
  return {
    id: text('id', String(raw.address ?? '')),
    address,
    port: port as number,
    user: pick('user') === undefined ? undefined : text('user'),
    credential: text('credential'),
    hostKey: typeof hostKey === 'string' ? hostKey.split(' ').slice(0, 2).join(' ') : undefined,
    trustOnFirstUse: pick('trustOnFirstUse') === true,
    workdir: typeof workdir === 'string' ? workdir : undefined,
    env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
