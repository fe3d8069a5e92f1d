import { access } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
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

// Where an image is, as commands take it: `docker://REF` or a bare reference
// (a registry), `oci:DIR[:TAG]` (an OCI layout), `store:NAME` (the local store).

/** A parsed image location. */
export type ImageLocation =
  | { kind: 'registry'; ref: Reference }
  | { kind: 'oci'; dir: string; tag?: string }
  | { kind: 'store'; name: string };

/** Parse a location; a bare name means `bare` (a registry reference or a store name). */
export function parseLocation(text: string, bare: 'registry' | 'store'): ImageLocation {
  if (text.startsWith('oci:')) {
    const rest = text.slice(4);
    const colon = rest.indexOf(':');
    const dir = colon < 0 ? rest : rest.slice(0, colon);
    const tag = colon < 0 ? undefined : rest.slice(colon + 1);
    if (!dir) throw new UsageError(`${text}: oci: needs a directory, as in oci:./layout:tag`);
    return { kind: 'oci', dir: resolvePath(dir), tag: tag || undefined };
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
): Promise<{ source: ImageSource; selector: string; name: string }> {
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
