/** One member of a tar archive, with PAX and GNU long-name headers already applied. */
export interface TarEntry {
  name: string;
  /** Tar type flag: '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo. */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Modification time as PAX gives it (may carry a fraction), else whole seconds. */
  mtime: string;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from `SCHILY.xattr.*` records, values base64. */
  xattrs: Record<string, string>;
  /** The file's bytes (empty for anything but a regular file). */
  content: Buffer;
}

const BLOCK = 512;

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

function number(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if ((field[0]! & 0x80) !== 0) {
    // base-256: big-endian two's complement after the marker bit
    let value = field[0]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const digits = text(block, start, length).trim();
  return digits === '' ? 0 : Number.parseInt(digits, 8);
}

/** PAX records `LEN key=value\n`; values are bytes (xattrs may be binary). */
function paxRecords(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number.parseInt(data.subarray(at, space).toString('ascii'), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, at + length - 1);
    const equals = record.indexOf(0x3d);
    records.set(record.subarray(0, equals).toString('utf8'), record.subarray(equals + 1));
    at += length;
  }
  return records;
}

/** Reads every entry of an uncompressed tar archive held in memory. */
export function* readTar(archive: Buffer): Generator<TarEntry> {
  let at = 0;
  let pax = new Map<string, Buffer>();
  let global = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  while (at + BLOCK <= archive.length) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const type = String.fromCharCode(header[156]!) || '0';
    let size = number(header, 124, 12);
    const paxSize = pax.get('size') ?? global.get('size');
    if (paxSize && !'xgLK'.includes(type)) size = Number(paxSize.toString());
    const body = archive.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pax = paxRecords(body);
      continue;
    }
    if (type === 'g') {
      global = paxRecords(body);
      continue;
    }
    if (type === 'L' || type === 'K') {
      const value = body.toString('utf8').replace(/\0+$/, '');
      if (type === 'L') longName = value;
      else longLink = value;
      continue;
    }
    const prefix = text(header, 345, 155);
    const records = new Map([...global, ...pax]);
    const xattrs: Record<string, string> = {};
    for (const [key, value] of records) {
      if (key.startsWith('SCHILY.xattr.')) xattrs[key.slice(13)] = value.toString('base64');
    }
    const ustarName = prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100);
    yield {
      name: records.get('path')?.toString('utf8') ?? longName ?? ustarName,
      type: type === '\0' || type === '7' ? '0' : type,
      mode: number(header, 100, 8),
      uid: Number(records.get('uid')?.toString() ?? number(header, 108, 8)),
      gid: Number(records.get('gid')?.toString() ?? number(header, 116, 8)),
      size: type === '0' || type === '\0' || type === '7' ? size : 0,
      mtime: records.get('mtime')?.toString() ?? String(number(header, 136, 12)),
      linkname: records.get('linkpath')?.toString('utf8') ?? longLink ?? text(header, 157, 100),
      devmajor: number(header, 329, 8),
      devminor: number(header, 337, 8),
      xattrs,
      content: type === '0' || type === '\0' || type === '7' ? body : Buffer.alloc(0),
    };
    pax = new Map();
    longName = undefined;
    longLink = undefined;
  }
}
