// A test-only reading of an overlayfs upper directory: one line per entry
// with its type, mode, owner, whiteout/opaque marks and user xattrs. The real
// reader (the layer module's) turns the same directory into a layer tar.

import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function xattrs(path: string): string[] {
  const out = execFileSync('getfattr', ['--absolute-names', '-h', '-d', '-m', '-', path], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((line) => line.includes('=') && !line.startsWith('#'))
    .filter((line) => line.startsWith('user.') || line.startsWith('trusted.overlay.opaque'));
}

/** Every entry below `dir` as `path type mode uid:gid [marks]`, sorted. */
export function listUpper(dir: string, prefix = ''): string[] {
  const lines: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = prefix + name;
    const stat = lstatSync(path);
    if (stat.isCharacterDevice() && stat.rdev === 0) {
      lines.push(`${rel} whiteout`);
      continue;
    }
    const type = stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'link' : 'file';
    const mode = (stat.mode & 0o7777).toString(8);
    const marks = xattrs(path).map((x) => (x.startsWith('trusted') ? 'opaque' : x));
    lines.push([rel, type, mode, `${stat.uid}:${stat.gid}`, ...marks].join(' '));
    if (stat.isDirectory()) lines.push(...listUpper(path, `${rel}/`));
  }
  return lines;
}
