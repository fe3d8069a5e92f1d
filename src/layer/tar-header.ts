// Encoding tar headers for layers: ustar where a field fits, PAX records
// where it does not (long or non-ASCII names, sub-second mtimes, xattrs,
// large ids). tar-stream decodes PAX values as UTF-8 text and has no way to
// write binary ones, which loses xattrs such as security.capability, so the
// writer side is ours; reading still goes through tar-stream.

/** The entry types a layer holds. */
export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

/** One tar entry's metadata, exactly as it goes into the layer. */
export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Modification time as seconds and nanoseconds since the epoch. */
  mtimeSec: number;
  mtimeNsec: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, by name, written as `SCHILY.xattr.<name>`. */
  xattrs?: Map<string, Buffer>;
}

const TYPEFLAG: Record<EntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
};

const MAX_OCTAL7 = 0o7777777;
const MAX_OCTAL11 = 0o77777777777;
const BLOCK = 512;

/** Zero bytes that pad content to a whole block, and end an archive. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** The header blocks of one entry: a PAX extended header when needed, then ustar. */
export function encodeHeader(header: TarHeader): Buffer {
  const records = new Map<string, Buffer>();
  const split = splitUstarName(header.name);
  if (split === undefined) records.set('path', Buffer.from(header.name));
  const linkname = header.linkname ?? '';
  if (!fitsAscii(linkname, 100)) records.set('linkpath', Buffer.from(linkname));
  if (header.uid > MAX_OCTAL7) records.set('uid', Buffer.from(String(header.uid)));
  if (header.gid > MAX_OCTAL7) records.set('gid', Buffer.from(String(header.gid)));
  if (header.size > MAX_OCTAL11) records.set('size', Buffer.from(String(header.size)));
  if (header.mtimeNsec !== 0 || header.mtimeSec < 0 || header.mtimeSec > MAX_OCTAL11) {
    records.set('mtime', Buffer.from(formatPaxTime(header.mtimeSec, header.mtimeNsec)));
  }
  for (const [name, value] of header.xattrs ?? []) records.set(`SCHILY.xattr.${name}`, value);

  const ustar = encodeUstar({
    name: split?.name ?? asciiPrefix(header.name, 100),
    prefix: split?.prefix ?? '',
    typeflag: TYPEFLAG[header.type],
    mode: header.mode & 0o7777,
    uid: Math.min(header.uid, MAX_OCTAL7),
    gid: Math.min(header.gid, MAX_OCTAL7),
    size: Math.min(header.size, MAX_OCTAL11),
    mtime: Math.min(Math.max(header.mtimeSec, 0), MAX_OCTAL11),
    linkname: asciiPrefix(linkname, 100),
    devmajor: Math.min(header.devmajor ?? 0, MAX_OCTAL7),
    devminor: Math.min(header.devminor ?? 0, MAX_OCTAL7),
  });
  if (records.size === 0) return ustar;

  const body = encodePaxRecords(records);
  const slash = header.name.replace(/\/$/, '').lastIndexOf('/');
  const dir = slash < 0 ? '' : header.name.slice(0, slash + 1);
  const base = header.name.replace(/\/$/, '').slice(slash + 1);
  const paxHeader = encodeUstar({
    name: asciiPrefix(`${dir}PaxHeaders.0/${base}`, 100),
    prefix: '',
    typeflag: 'x',
    mode: 0,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, body, padding(body.length), ustar]);
}

/** PAX records `"<len> <key>=<value>\n"`, keys sorted so output is stable. */
export function encodePaxRecords(records: Map<string, Buffer>): Buffer {
  const keys = [...records.keys()].sort();
  const parts = keys.map((key) => {
    const value = records.get(key) as Buffer;
    const fixed = Buffer.byteLength(key) + value.length + 3; // space, '=', newline
    let length = fixed + String(fixed).length;
    if (String(length).length !== String(fixed).length) length = fixed + String(length).length;
    return Buffer.concat([Buffer.from(`${length} ${key}=`), value, Buffer.from('\n')]);
  });
  return Buffer.concat(parts);
}

function formatPaxTime(sec: number, nsec: number): string {
  if (nsec === 0) return String(sec);
  if (sec < 0) {
    // PAX times are a signed decimal: -1.5 means 1.5 seconds before the epoch.
    const whole = sec + 1;
    const frac = String(1e9 - nsec)
      .padStart(9, '0')
      .replace(/0+$/, '');
    return `${whole === 0 ? '-0' : whole}.${frac}`;
  }
  return `${sec}.${String(nsec).padStart(9, '0').replace(/0+$/, '')}`;
}

function fitsAscii(text: string, max: number): boolean {
  return text.length <= max && /^[\x00-\x7f]*$/.test(text);
}

function asciiPrefix(text: string, max: number): string {
  return text.replace(/[^\x00-\x7f]/g, '_').slice(0, max);
}

/** Split a long name across ustar's prefix and name fields, as Go's archive/tar does. */
function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (!/^[\x00-\x7f]*$/.test(name)) return undefined;
  if (name.length <= 100) return { prefix: '', name };
  let end = Math.min(name.length, 156);
  if (end === name.length && name.endsWith('/')) end--;
  const i = name.lastIndexOf('/', end - 1);
  if (i <= 0) return undefined;
  const prefix = name.slice(0, i);
  const rest = name.slice(i + 1);
  if (rest === '' || rest.length > 100) return undefined;
  return { prefix, name: rest };
}

interface UstarFields {
  name: string;
  prefix: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

function encodeUstar(fields: UstarFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'latin1');
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, fields.uid);
  writeOctal(block, 116, 8, fields.gid);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime);
  block.write(fields.typeflag, 156, 1, 'latin1');
  block.write(fields.linkname, 157, 100, 'latin1');
  block.write('ustar\x0000', 257, 8, 'latin1');
  writeOctal(block, 329, 8, fields.devmajor);
  writeOctal(block, 337, 8, fields.devminor);
  block.write(fields.prefix, 345, 155, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\x00 `, 148, 8, 'latin1');
  return block;
}

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\x00`, offset, width, 'latin1');
}
