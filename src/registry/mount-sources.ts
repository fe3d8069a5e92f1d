import { messageOf } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import type { ImageSource } from '../image/transport.js';
import { type Emit, silent } from '../log/events.js';
import { type BlobSource, OciStore } from '../store/index.js';
import { RegistryClient } from './client.js';
import { MirroredSource } from './mirrors.js';

// Which repositories a blob can be mounted from, as Docker and buildah do:
// the registry repository it is being copied from, or, for a blob in the
// local store, the repositories it was once pulled from (recorded per blob).

/** Mount sources tried per blob before an upload. */
const MAX_ATTEMPTS = 3;

/** The repositories a blob read from `source` is in (the one that served it first). */
export function blobOrigins(source: ImageSource): BlobSource[] {
  const clients =
    source instanceof MirroredSource
      ? [source.servedBy, source.origin]
      : source instanceof RegistryClient
        ? [source]
        : [];
  const origins: BlobSource[] = [];
  for (const client of clients) {
    if (!client || origins.some((o) => o.registry === client.registry)) continue;
    origins.push({ registry: client.registry, repository: client.repository });
  }
  return origins;
}

/** Repositories of `target`'s registry that may hold the blob, most likely first. */
export async function mountCandidates(
  source: ImageSource,
  target: RegistryClient,
  descriptor: Descriptor,
): Promise<string[]> {
  const known =
    source instanceof OciStore ? await source.blobSources(descriptor.digest) : blobOrigins(source);
  const repositories = known
    .filter((s) => s.registry === target.registry && s.repository !== target.repository)
    .map((s) => s.repository);
  return [...new Set(repositories)].slice(0, MAX_ATTEMPTS);
}

/**
 * Mount the blob from the first candidate the registry accepts; resolves to
 * that repository, or undefined when none did (the caller then uploads). A
 * refused mount (202) or a failed one (no pull access to it) is only a missed
 * shortcut, so it is reported as a debug event and not thrown.
 */
export async function mountFromAny(
  target: RegistryClient,
  descriptor: Descriptor,
  candidates: readonly string[],
  emit: Emit = silent,
): Promise<string | undefined> {
  for (const from of candidates) {
    const what = `mounting ${descriptor.digest} from ${target.registry}/${from}`;
    try {
      if (await target.mountBlob(descriptor, from)) return from;
      emit({ kind: 'copy.mount.refused', level: 'debug', message: `${what}: refused`, from });
    } catch (error) {
      const message = `${what}: ${messageOf(error)}`;
      emit({ kind: 'copy.mount.refused', level: 'debug', message, from });
    }
  }
  return undefined;
}
