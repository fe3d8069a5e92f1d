import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { InputError, UsageError } from '../errors/index.js';
import {
  formatReference,
  parseReference,
  type Reference,
  referenceSelector,
} from '../image/reference.js';
import type { ImageSource, ImageTarget } from '../image/transport.js';
import { type ConnectionPool, openPullSource, RegistryClient } from '../registry/index.js';
import { openStore, readIndex } from '../store/index.js';
import { slipwayHome, statePaths } from '../util/paths.js';
import type { CliContext } from './context.js';
import { clientOptions, type RegistryFlags } from './registry-flags.js';

const exec = promisify(execFile);

// Where an image is, as commands take it: `docker://REF` or a bare reference
// (a registry), `oci:DIR[:TAG]` (an OCI layout), `oci-archive:FILE[:TAG]` (a
// tarball of one, as `build -o type=oci` writes; read only), `store:NAME`.

/** A parsed image location. */
export type ImageLocation =
  | { kind: 'registry'; ref: Reference }
  | { kind: 'oci'; dir: string; tag?: string }
  | { kind: 'oci-archive'; file: string; tag?: string }
  | { kind: 'store'; name: string };

/** Parse a location; a bare name means `bare` (a registry reference or a store name). */
export function parseLocation(text: string, bare: 'registry' | 'store'): ImageLocation {
  for (const scheme of ['oci:', 'oci-archive:'] as const) {
    if (!text.startsWith(scheme)) continue;
    const rest = text.slice(scheme.length);
    const colon = rest.indexOf(':');
    const path = colon < 0 ? rest : rest.slice(0, colon);
    const tag = (colon < 0 ? undefined : rest.slice(colon + 1)) || undefined;
    if (scheme === 'oci-archive:') {
      if (!path)
        throw new UsageError(`${text}: oci-archive: needs a file, as in oci-archive:app.tar`);
      return { kind: 'oci-archive', file: resolvePath(path), tag };
    }
    if (!path) throw new UsageError(`${text}: oci: needs a directory, as in oci:./layout:tag`);
    return { kind: 'oci', dir: resolvePath(path), tag };
  }
  if (text.startsWith('docker-archive:')) {
    // TODO(#2): docker-archive: arrives with src/store/docker-archive.ts.
    throw new UsageError(`${text}: docker-archive: is not supported yet; use oci:DIR`);
  }
  if (text.startsWith('docker://')) return { kind: 'registry', ref: parseReference(text.slice(9)) };
  if (text.startsWith('store:')) return { kind: 'store', name: text.slice(6) };
  if (/^\.{0,2}\//.test(text)) {
    throw new UsageError(`${text} is a path, not an image reference`, {
      hint: `write oci:${text} for an OCI layout in that folder`,
    });
  }
  return bare === 'registry'
    ? { kind: 'registry', ref: parseReference(text) }
    : { kind: 'store', name: text.includes('/') ? formatReference(parseReference(text)) : text };
}

/** How a command reaches its images: flags, and one pool so one registry shares a connection. */
export interface Access {
  context: CliContext;
  flags: RegistryFlags;
  pool: ConnectionPool;
}

/** Open a location to read from; resolves to the source and what to ask it for. */
export async function openSource(
  location: ImageLocation,
  access: Access,
  side: 'src' | 'one',
): Promise<OpenedSource> {
  if (location.kind === 'registry') {
    const { ref } = location;
    const options = await clientOptions(
      access.context,
      access.flags,
      ref.registry,
      side,
      access.pool,
    );
    return {
      source: openPullSource(ref, options),
      selector: referenceSelector(ref),
      name: formatReference(ref),
    };
  }
  if (location.kind === 'store') {
    const store = await openStore(localStore(access.context));
    return { source: store, selector: location.name, name: location.name };
  }
  if (location.kind === 'oci-archive') return openArchive(location, access, side);
  await mustExist(
    `${location.dir}/oci-layout`,
    `${location.dir} is not an OCI image layout (no oci-layout file)`,
  );
  const store = await openStore(location.dir);
  let selector = location.tag;
  if (selector === undefined) {
    const index = await readIndex(store.indexPath);
    if (index.manifests.length !== 1) {
      throw new UsageError(
        `oci:${location.dir} holds ${index.manifests.length} images: name one with oci:DIR:TAG`,
      );
    }
    selector = index.manifests[0]!.digest;
  }
  return { source: store, selector, name: `oci:${location.dir}:${selector}` };
}

/** Open a location, give it to `use`, then remove what opening it unpacked. */
export async function withSource<T>(
  location: ImageLocation,
  access: Access,
  side: 'src' | 'one',
  use: (opened: OpenedSource) => Promise<T>,
): Promise<T> {
  const opened = await openSource(location, access, side);
  try {
    return await use(opened);
  } finally {
    await opened.release?.();
  }
}

/** An opened source; `release` removes what opening it unpacked. */
export interface OpenedSource {
  source: ImageSource;
  selector: string;
  name: string;
  release?: () => Promise<void>;
}

/** An OCI layout tarball: unpacked into a private temp folder, read as the layout. */
async function openArchive(
  location: ImageLocation & { kind: 'oci-archive' },
  access: Access,
  side: 'src' | 'one',
): Promise<OpenedSource> {
  await mustExist(location.file, `${location.file} does not exist`);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-oci-archive-'));
  const release = () => rm(dir, { recursive: true, force: true });
  try {
    await exec('tar', ['-x', '-f', location.file, '-C', dir, '--no-same-owner']).catch(() => {
      throw new InputError('NOT_A_LAYOUT', `${location.file} is not a tar archive`);
    });
    const inside = { kind: 'oci', dir, tag: location.tag } as const;
    const opened = await openSource(inside, access, side).catch((error: unknown) => {
      if ((error as InputError).code !== 'NOT_A_LAYOUT') throw error;
      throw new InputError('NOT_A_LAYOUT', `${location.file} holds no OCI image layout`);
    });
    const name = `oci-archive:${location.file}:${opened.selector}`;
    return { ...opened, name, release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Open a location to write to; `tag` is the name the copied image gets there. */
export async function openTarget(
  location: ImageLocation,
  access: Access,
  side: 'dest' | 'one',
  fallbackTag: string,
): Promise<{ target: ImageTarget; tag?: string; name: string }> {
  if (location.kind === 'registry') {
    const { ref } = location;
    const options = await clientOptions(
      access.context,
      access.flags,
      ref.registry,
      side,
      access.pool,
    );
    return { target: new RegistryClient(ref, options), tag: ref.tag, name: formatReference(ref) };
  }
  if (location.kind === 'store') {
    return {
      target: await openStore(localStore(access.context)),
      tag: location.name,
      name: location.name,
    };
  }
  if (location.kind === 'oci-archive') {
    throw new UsageError(`oci-archive:${location.file}: an archive is read here, not written`, {
      hint: 'write an OCI layout with oci:DIR, or a tarball with build -o type=oci,dest=FILE',
    });
  }
  const tag = location.tag ?? fallbackTag;
  return { target: await openStore(location.dir), tag, name: `oci:${location.dir}:${tag}` };
}

/** The local store's directory. */
export function localStore(context: CliContext): string {
  return statePaths(slipwayHome(context.env)).store;
}

async function mustExist(path: string, message: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new InputError('NOT_A_LAYOUT', message);
  }
}
