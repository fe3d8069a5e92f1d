import { createHash } from 'node:crypto';
import { type CompareOptions, compareConfigs, compareTrees } from '../image/compare.js';
import type { UnpackedImage } from '../image/oci-layout.js';
import { cleanPath, type Rootfs } from '../image/rootfs.js';
import type { TarEntry } from '../image/tar.js';
import type { Expectation } from './case-spec.js';

/** Every difference between the reference's and the candidate's image. */
export function imageDifferences(
  want: UnpackedImage,
  got: UnpackedImage,
  names: [string, string],
  options: CompareOptions,
): string[] {
  const found = compareTrees(want.rootfs, got.rootfs, names, options);
  found.push(...compareConfigs(want.config.config, got.config.config, names, options));
  for (const anomaly of got.anomalies) {
    found.push(`layer ${anomaly.layer} of ${names[1]}: ${anomaly.path}: ${anomaly.problem}`);
  }
  return found;
}

/** A layer's non-directory entries and whiteouts (directory entries vary with mtimes). */
function layerSummary(entries: TarEntry[], ignore: string[]): string[] {
  return entries
    .filter((entry) => entry.type !== '5')
    .filter(
      (entry) =>
        !ignore.some((p) => `${cleanPath(entry.name)}/`.startsWith(p.endsWith('/') ? p : `${p}/`)),
    )
    .map((entry) => {
      const path = cleanPath(entry.name);
      const base = path.slice(path.lastIndexOf('/') + 1);
      if (base === '.wh..wh..opq') return `${path.slice(0, -13) || '/'} (opaque whiteout)`;
      if (base.startsWith('.wh.')) return `${path.replace('/.wh.', '/')} (whiteout)`;
      return path;
    })
    .sort();
}

/** Layer-by-layer differences in which paths each layer adds or whites out. */
export function layerDifferences(
  want: UnpackedImage,
  got: UnpackedImage,
  names: [string, string],
  ignore: string[] = [],
): string[] {
  const found: string[] = [];
  if (want.layers.length !== got.layers.length) {
    found.push(
      `layer count ${want.layers.length} (${names[0]}) vs ${got.layers.length} (${names[1]})`,
    );
  }
  const count = Math.min(want.layers.length, got.layers.length);
  for (let i = 0; i < count; i++) {
    const a = new Set(layerSummary(want.layers[i]!, ignore));
    const b = new Set(layerSummary(got.layers[i]!, ignore));
    for (const path of a)
      if (!b.has(path)) found.push(`layer ${i + 1}: ${path} only in ${names[0]}`);
    for (const path of b)
      if (!a.has(path)) found.push(`layer ${i + 1}: ${path} only in ${names[1]}`);
  }
  return found;
}

/** The expectations a root file system does not meet, one line each. */
export function unmetExpectations(rootfs: Rootfs, expectations: Expectation[]): string[] {
  const found: string[] = [];
  for (const want of expectations) {
    const node = rootfs.get(want.path);
    if (want.absent) {
      if (node) found.push(`${want.path}: exists, expected absent`);
      continue;
    }
    if (!node) {
      found.push(`${want.path}: missing`);
      continue;
    }
    const check = (field: string, expected: unknown, actual: unknown) => {
      if (expected !== undefined && expected !== actual) {
        found.push(`${want.path}: ${field} ${String(actual)}, expected ${String(expected)}`);
      }
    };
    check('type', want.type, node.type);
    check('mode', want.mode, `0${node.mode.toString(8).padStart(3, '0')}`);
    check('uid', want.uid, node.uid);
    check('gid', want.gid, node.gid);
    check('symlink target', want.target, node.linkTarget);
    const seconds = (text: string) => text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
    if (want.mtime !== undefined) check('mtime', seconds(want.mtime), seconds(node.mtime));
    if (want.content !== undefined) {
      const hash = createHash('sha256').update(want.content).digest('hex');
      if (hash !== node.sha256) {
        const actual = node.preview ?? `${node.size} bytes`;
        found.push(`${want.path}: content ${actual}, expected ${JSON.stringify(want.content)}`);
      }
    }
  }
  return found;
}
