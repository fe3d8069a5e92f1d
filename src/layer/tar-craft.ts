import { END_OF_ARCHIVE, encodeHeader, padding, type TarHeader } from './tar-header.js';

// Hand-made tars for tests: entries exactly as given, including ones the
// writer would never produce (`..`, absolute names, links out of the root).

/** One crafted entry: its header and content. */
export interface CraftedEntry {
  header: TarHeader;
  content?: Buffer;
}

const BASE = { mode: 0o644, uid: 0, gid: 0, size: 0, mtimeSec: 1_700_000_000, mtimeNsec: 0 };

/** A regular file entry. */
export function file(name: string, content: string, mode = 0o644): CraftedEntry {
  const bytes = Buffer.from(content);
  return { header: { ...BASE, name, type: 'file', mode, size: bytes.length }, content: bytes };
}

/** A directory entry. */
export function dir(name: string, mode = 0o755): CraftedEntry {
  return { header: { ...BASE, name, type: 'directory', mode } };
}

/** A symlink entry. */
export function symlinkEntry(name: string, target: string): CraftedEntry {
  return { header: { ...BASE, name, type: 'symlink', mode: 0o777, linkname: target } };
}

/** A hard link entry. */
export function hardlinkEntry(name: string, target: string): CraftedEntry {
  return { header: { ...BASE, name, type: 'link', linkname: target } };
}

/** The bytes of a plain tar holding exactly these entries. */
export function craftTar(entries: CraftedEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const { header, content } of entries) {
    parts.push(encodeHeader(header));
    if (content && content.length > 0) parts.push(content, padding(content.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}
