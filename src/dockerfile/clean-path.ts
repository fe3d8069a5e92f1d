// Go's path/filepath Clean and Dir for slash-separated paths.

/** Lexically cleans a path: collapses `//`, `.` and `..` as filepath.Clean does. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** filepath.Dir: everything but the last element, cleaned. */
export function dirPath(path: string): string {
  const at = path.lastIndexOf('/');
  return cleanPath(at < 0 ? '' : path.slice(0, at + 1));
}
