import { createRequire } from 'node:module';

// Extended attributes of files on disk, never following symlinks (the
// binding uses the l*xattr calls). Node core has no xattr API. The native
// binding is loaded on first use: a push or a pull never opens it.

type Binding = typeof import('@napi-rs/xattr');
let loaded: Binding | undefined;

function binding(): Binding {
  loaded ??= createRequire(import.meta.url)('@napi-rs/xattr') as Binding;
  return loaded;
}

/** Which xattrs go into a layer: not overlayfs's own, nor the host's SELinux label. */
export function isLayerXattr(name: string): boolean {
  return !(
    name.startsWith('trusted.overlay.') ||
    name.startsWith('user.overlay.') ||
    name === 'security.selinux'
  );
}

/** A file's xattrs, sorted by name; none on filesystems without xattr support. */
export async function readXattrs(
  path: string,
  keep: (name: string) => boolean = isLayerXattr,
): Promise<Map<string, Buffer>> {
  let names: string[];
  try {
    names = await binding().listAttributes(path);
  } catch (error) {
    if (isUnsupported(error)) return new Map();
    throw error;
  }
  const found = new Map<string, Buffer>();
  for (const name of names.filter(keep).sort()) {
    const value = await binding().getAttribute(path, name);
    if (value !== null) found.set(name, value);
  }
  return found;
}

/** readXattrs without the thread-pool round trips, for writing layers of many files. */
export function readXattrsSync(
  path: string,
  keep: (name: string) => boolean = isLayerXattr,
): Map<string, Buffer> {
  let names: string[];
  try {
    names = binding().listAttributesSync(path);
  } catch (error) {
    if (isUnsupported(error)) return new Map();
    throw error;
  }
  const found = new Map<string, Buffer>();
  for (const name of names.filter(keep).sort()) {
    const value = binding().getAttributeSync(path, name);
    if (value !== null) found.set(name, value);
  }
  return found;
}

/** One xattr's value, or undefined when the file does not have it. */
export async function readXattr(path: string, name: string): Promise<Buffer | undefined> {
  try {
    return (await binding().getAttribute(path, name)) ?? undefined;
  } catch (error) {
    if (isUnsupported(error)) return undefined;
    throw error;
  }
}

/** Set one xattr on a path (on the link itself for a symlink). */
export async function writeXattr(path: string, name: string, value: Buffer): Promise<void> {
  await binding().setAttribute(path, name, value);
}

/** writeXattr without the thread-pool round trip, for layer extraction. */
export function writeXattrSync(path: string, name: string, value: Buffer): void {
  binding().setAttributeSync(path, name, value);
}

function isUnsupported(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /not supported|os error 95|os error 61|No data available/i.test(message);
}
