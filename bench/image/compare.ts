import { isDeepStrictEqual } from 'node:util';
import { type FsNode, hardlinkGroups, type Rootfs } from './rootfs.js';

/** What a comparison may leave out or must add, from the case's settings. */
export interface CompareOptions {
  /** Compare mtimes of paths under these prefixes ('/' for all). */
  mtimes?: string[];
  /** Paths left out of the file comparison (exact, or a prefix ending in '/'). */
  ignorePaths?: string[];
  /** Config labels left out (e.g. io.buildah.version when buildah is compared). */
  ignoreLabels?: string[];
}

function underAny(path: string, prefixes: string[] | undefined): boolean {
  return (prefixes ?? []).some((prefix) =>
    prefix.endsWith('/') ? `${path}/`.startsWith(prefix) : path === prefix,
  );
}

function describe(node: FsNode): string {
  return node.type === 'symlink' ? `symlink -> ${node.linkTarget}` : node.type;
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** Differences between two root file systems, one line each, `want` being the reference. */
export function compareTrees(
  want: Rootfs,
  got: Rootfs,
  names: [string, string],
  options: CompareOptions = {},
): string[] {
  const [a, b] = names;
  const linksA = hardlinkGroups(want);
  const linksB = hardlinkGroups(got);
  const paths = [...new Set([...want.keys(), ...got.keys()])].sort();
  const found: string[] = [];
  for (const path of paths) {
    if (underAny(path, options.ignorePaths)) continue;
    const x = want.get(path);
    const y = got.get(path);
    if (!x || !y) {
      const only = (x ?? y)!;
      found.push(`${path}: only in ${x ? a : b} (${describe(only)})`);
      continue;
    }
    const field = (name: string, p: unknown, q: unknown) => {
      if (!isDeepStrictEqual(p, q)) {
        found.push(`${path}: ${name} ${String(p)} (${a}) vs ${String(q)} (${b})`);
      }
    };
    field('type', describe(x), describe(y));
    if (x.type !== y.type) continue;
    field('mode', octal(x.mode), octal(y.mode));
    field('uid', x.uid, y.uid);
    field('gid', x.gid, y.gid);
    if (x.type === 'file') {
      field('size', x.size, y.size);
      if (x.preview && y.preview) field('content', x.preview, y.preview);
      else if (x.size === y.size) field('content sha256', x.sha256, y.sha256);
    }
    field('device', x.device, y.device);
    field('xattrs', JSON.stringify(x.xattrs), JSON.stringify(y.xattrs));
    field('hardlinks', (linksA.get(path) ?? []).join(','), (linksB.get(path) ?? []).join(','));
    if (underAny(path, options.mtimes) || options.mtimes?.includes('/')) {
      field('mtime', x.mtime, y.mtime);
    }
  }
  return found;
}

/** The image config fields a Dockerfile sets, as the conformance run compares them. */
export const CONFIG_FIELDS = [
  'Env',
  'Entrypoint',
  'Cmd',
  'WorkingDir',
  'User',
  'ExposedPorts',
  'Volumes',
  'Labels',
  'StopSignal',
  'Healthcheck',
  'Shell',
  'OnBuild',
] as const;

/** null, '', {} and [] for maps all mean "not set" to docker; compare them as absent. */
function normal(field: string, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return undefined;
  const isMap = ['ExposedPorts', 'Volumes', 'Labels'].includes(field);
  if (isMap && typeof value === 'object' && Object.keys(value as object).length === 0) return;
  return value;
}

/** Differences between two image configs (`.config` of the config blob). */
export function compareConfigs(
  want: Record<string, unknown> | undefined,
  got: Record<string, unknown> | undefined,
  names: [string, string],
  options: CompareOptions = {},
): string[] {
  const found: string[] = [];
  for (const field of CONFIG_FIELDS) {
    let x = normal(field, want?.[field]);
    let y = normal(field, got?.[field]);
    if (field === 'Labels' && options.ignoreLabels) {
      const strip = (labels: unknown) => {
        if (!labels) return labels;
        const copy = { ...(labels as Record<string, string>) };
        for (const label of options.ignoreLabels ?? []) delete copy[label];
        return normal(field, copy);
      };
      x = strip(x);
      y = strip(y);
    }
    if (!isDeepStrictEqual(x, y)) {
      found.push(
        `config ${field}: ${JSON.stringify(x)} (${names[0]}) vs ${JSON.stringify(y)} (${names[1]})`,
      );
    }
  }
  return found;
}
