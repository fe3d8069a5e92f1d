import type { Readable } from 'node:stream';
import type { Header } from 'tar-stream';

// Reading tar entries through tar-stream, with one repair: tar-stream decodes
// PAX record values as UTF-8 text, which mangles binary xattrs (a
// security.capability value holds arbitrary bytes). Records are decoded here
// instead, `SCHILY.xattr.*` values kept byte for byte.

/** One entry's header with its PAX records, xattrs decoded to bytes. */
export interface TarEntryHeader extends Header {
  pax: Record<string, string> | null;
  xattrs: Map<string, Buffer>;
}

/** An entry: its header and its content stream (must be read or resumed). */
export interface TarEntry {
  header: TarEntryHeader;
  body: AsyncIterable<Buffer> & { resume(): void };
}

const XATTR_PREFIX = 'SCHILY.xattr.';

/** The entries of a plain (uncompressed) tar stream, in order. */
export async function* readTar(input: Readable): AsyncGenerator<TarEntry> {
  // Loaded here, not at start: commands that never read a tar skip it.
  const { extract } = await import('tar-stream');
  const parser = extract();
  repairPax(parser as unknown as PrivateExtract);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser as unknown as NodeJS.WritableStream);
  for await (const entry of parser) {
    const header = entry.header as TarEntryHeader;
    const pax = header.pax ?? null;
    header.xattrs = new Map();
    for (const [key, value] of Object.entries(pax ?? {})) {
      if (key.startsWith(XATTR_PREFIX)) {
        header.xattrs.set(key.slice(XATTR_PREFIX.length), Buffer.from(value, 'latin1'));
      }
    }
    yield { header, body: entry as unknown as TarEntry['body'] };
  }
}

/** PAX records `"<len> <key>=<value>\n"`; xattr values as latin1 (one char per byte). */
export function decodePaxRecords(buffer: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < buffer.length) {
    const space = buffer.indexOf(0x20, offset);
    const length = Number.parseInt(buffer.toString('latin1', offset, space), 10);
    if (space < 0 || !Number.isSafeInteger(length) || length <= 0) break;
    const record = buffer.subarray(space + 1, offset + length - 1);
    const equals = record.indexOf(0x3d);
    if (equals < 0) break;
    const key = record.toString('utf8', 0, equals);
    const raw = record.subarray(equals + 1);
    records[key] = raw.toString(key.startsWith(XATTR_PREFIX) ? 'latin1' : 'utf8');
    offset += length;
  }
  for (const key of ['path', 'linkpath']) {
    if (records[key]?.includes('\0')) throw new Error(`tar PAX ${key} contains a NUL byte`);
  }
  return records;
}

interface PrivateExtract {
  _header: { type: string } | null;
  _pax: Record<string, string> | null;
  _paxGlobal: Record<string, string> | null;
  _decodeLongHeader(buffer: Buffer): void;
}

/** Replace tar-stream's PAX decoding on one parser (tar-stream 3.x internals). */
function repairPax(parser: PrivateExtract): void {
  const original = parser._decodeLongHeader;
  if (typeof original !== 'function') {
    throw new Error('tar-stream changed its internals: PAX xattrs cannot be read byte-exact');
  }
  parser._decodeLongHeader = function decodeLongHeader(this: PrivateExtract, buffer: Buffer) {
    const type = this._header?.type;
    if (type === 'pax-header') {
      this._pax = { ...(this._paxGlobal ?? {}), ...decodePaxRecords(buffer) };
    } else if (type === 'pax-global-header') {
      this._paxGlobal = decodePaxRecords(buffer);
    } else {
      original.call(this, buffer);
    }
  };
}
