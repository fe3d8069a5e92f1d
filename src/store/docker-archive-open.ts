import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { InputError, SlipwayError } from '../errors/index.js';
import {
  type Descriptor,
  type Digest,
  Digester,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  encodeManifest,
  formatReference,
  type ImageManifest,
  type ImageSource,
  isDigest,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
  parseManifest,
  parseReference,
  type RawManifest,
} from '../image/index.js';
import { verifyingStream } from './verify.js';

/** An opened docker-archive: a source of its blobs and the images it holds. */
export interface DockerArchive {
  source: ImageSource;
  manifests: { raw: RawManifest; tags: string[] }[];
}

/** Where a file's content lies in the archive, and what it is. */
interface Member {
  offset: number;
  size: number;
  digest: Digest;
  head: Buffer;
}

/**
 * Read a `docker save` (or BuildKit docker exporter) tar as an image source.
 * One pass indexes and digests every member; blobs are later read straight
 * from their offsets and verified again. Manifests stored in the archive
 * (index.json) are used byte for byte; otherwise a Docker schema 2 manifest
 * is made from manifest.json, with layers as stored.
 */
export async function openDockerArchive(file: string): Promise<DockerArchive> {
  const members = await indexArchive(file);
  const read = async (name: string) => readMember(file, members, name);
  const listing = parseJson<ArchiveEntry[]>(await read('manifest.json'), file, 'manifest.json');
  if (!Array.isArray(listing)) {
    throw new InputError('MALFORMED_ARCHIVE', `${file}: manifest.json is not a list of images`);
  }
  const stored = members.has('index.json') ? await storedManifests(file, members) : [];
  const manifests = listing.map((entry, i) => {
    const where = `${file}: manifest.json[${i}]`;
    const config = lookup(members, entry.Config, where);
    const layers = (entry.Layers ?? []).map((layer) => lookup(members, layer, where));
    const raw =
      stored.find((candidate) => sameImage(candidate.image, config, layers))?.raw ??
      encodeManifest(synthesize(config, layers));
    return { raw, tags: entry.RepoTags ?? [] };
  });
  return { source: new ArchiveSource(file, members, manifests), manifests };
}

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

class ArchiveSource implements ImageSource {
  private readonly byDigest = new Map<string, Member>();
  private readonly byName = new Map<string, RawManifest>();

  constructor(
    private readonly file: string,
    members: Map<string, Member>,
    private readonly manifests: { raw: RawManifest; tags: string[] }[],
  ) {
    for (const member of members.values()) this.byDigest.set(member.digest, member);
    for (const { raw, tags } of manifests) {
      this.byName.set(raw.digest, raw);
      for (const tag of tags) this.byName.set(formatReference(parseReference(tag)), raw);
    }
  }

  async fetchManifest(selector: string): Promise<RawManifest> {
    const found = isDigest(selector)
      ? this.byName.get(selector)
      : (this.byName.get(selector) ?? this.byName.get(normalTag(selector)));
    if (found) return found;
    if (this.manifests.length === 1 && (selector === '' || selector === 'latest')) {
      return (this.manifests[0] as { raw: RawManifest }).raw;
    }
    const tags = this.manifests.flatMap((m) => m.tags);
    throw new SlipwayError('MANIFEST_UNKNOWN', `no image ${selector} in ${this.file}`, {
      hint: tags.length > 0 ? `it holds ${tags.join(', ')}` : 'it holds untagged images only',
    });
  }

  async fetchBlob(descriptor: Descriptor): Promise<Readable> {
    const member = this.byDigest.get(descriptor.digest);
    if (!member) {
      throw new SlipwayError('BLOB_UNKNOWN', `blob ${descriptor.digest} is not in ${this.file}`);
    }
    const what = `blob ${descriptor.digest} in ${this.file}`;
    const verify = verifyingStream({ digest: descriptor.digest, size: descriptor.size }, what);
    if (member.size === 0) return new PassThrough().end().pipe(verify);
    const content = createReadStream(this.file, {
      start: member.offset,
      end: member.offset + member.size - 1,
    });
    content.on('error', (error) => verify.destroy(error));
    return content.pipe(verify);
  }
}

function normalTag(selector: string): string {
  try {
    return formatReference(parseReference(selector));
  } catch {
    return selector;
  }
}

/** Index every regular file of the archive by path, digesting as it goes. */
async function indexArchive(file: string): Promise<Map<string, Member>> {
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  const { extract } = await import('tar-stream');
  const input = createReadStream(file);
  const parser = extract();
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of parser) {
      const header = entry.header as typeof entry.header & { byteOffset: number };
      const name = posix.normalize(header.name).replace(/^(\.\/)+|\/$/g, '');
      if (header.type === 'symlink' || header.type === 'link') {
        const base = header.type === 'symlink' ? posix.dirname(name) : '.';
        links.set(name, posix.normalize(posix.join(base, header.linkname)));
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const digester = new Digester();
      let head = Buffer.alloc(0);
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4)]);
        digester.update(chunk);
      }
      members.set(name, {
        offset: header.byteOffset,
        size: header.size,
        digest: digester.digest(),
        head: head.subarray(0, 4),
      });
    }
  } catch (error) {
    const hint = 'a docker archive is a plain tar; decompress it first if it is gzipped';
    throw new InputError('MALFORMED_ARCHIVE', `reading ${file}: ${(error as Error).message}`, {
      hint,
      cause: error,
    });
  }
  for (const [name, target] of links) {
    const member = members.get(target);
    if (member) members.set(name, member);
  }
  return members;
}

async function readMember(file: string, members: Map<string, Member>, name: string) {
  const member = members.get(name);
  if (!member) {
    throw new InputError('MALFORMED_ARCHIVE', `${file} has no ${name}: not a docker archive`, {
      hint: 'make one with `docker save` or `slipway pull --output docker-archive:FILE`',
    });
  }
  const handle = await open(file);
  try {
    const bytes = Buffer.alloc(member.size);
    await handle.read(bytes, 0, member.size, member.offset);
    return bytes;
  } finally {
    await handle.close();
  }
}

function parseJson<T>(bytes: Buffer, file: string, name: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new InputError('MALFORMED_ARCHIVE', `${file}: ${name}: ${(error as Error).message}`);
  }
}

function lookup(members: Map<string, Member>, name: unknown, where: string): Member {
  const member = typeof name === 'string' ? members.get(posix.normalize(name)) : undefined;
  if (!member) {
    throw new InputError('MALFORMED_ARCHIVE', `${where} names ${JSON.stringify(name)}, not in it`);
  }
  return member;
}

/** Image manifests that index.json points at, as stored. */
async function storedManifests(file: string, members: Map<string, Member>) {
  const read = (name: string) => readMember(file, members, name);
  const index = parseJson<{ manifests?: Descriptor[] }>(
    await read('index.json'),
    file,
    'index.json',
  );
  const found: { raw: RawManifest; image: ImageManifest }[] = [];
  for (const descriptor of index.manifests ?? []) {
    const member = [...members.values()].find((m) => m.digest === descriptor.digest);
    if (!member || member.size > 4 * 1024 * 1024) continue;
    const name = [...members].find(([, m]) => m === member)?.[0] as string;
    const bytes = await read(name);
    const parsed = parseManifest(bytes, descriptor.mediaType);
    if (parsed.kind !== 'image') continue;
    const raw = { mediaType: parsed.mediaType, digest: descriptor.digest, bytes };
    found.push({ raw, image: parsed.manifest });
  }
  return found;
}

function sameImage(image: ImageManifest, config: Member, layers: Member[]): boolean {
  return (
    image.config.digest === config.digest &&
    image.layers.length === layers.length &&
    image.layers.every((layer, i) => layer.digest === layers[i]?.digest)
  );
}

/** A manifest for manifest.json's entry: Docker schema 2, OCI if a layer is zstd. */
function synthesize(config: Member, layers: Member[]): ImageManifest {
  const kinds = layers.map((layer) => compressionOf(layer.head));
  const oci = kinds.includes('zstd');
  const types = oci
    ? { gzip: OCI_LAYER_GZIP, zstd: OCI_LAYER_ZSTD, none: OCI_LAYER }
    : { gzip: DOCKER_LAYER_GZIP, zstd: OCI_LAYER_ZSTD, none: DOCKER_LAYER };
  return {
    schemaVersion: 2,
    mediaType: oci ? OCI_MANIFEST : DOCKER_MANIFEST,
    config: {
      mediaType: oci ? OCI_CONFIG : DOCKER_CONFIG,
      digest: config.digest,
      size: config.size,
    },
    layers: layers.map((layer, i) => ({
      mediaType: types[kinds[i] ?? 'none'],
      digest: layer.digest,
      size: layer.size,
    })),
  };
}

function compressionOf(head: Buffer): 'gzip' | 'zstd' | 'none' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}
