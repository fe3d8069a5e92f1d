import { DigestMismatchError, withContext } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import { type Digest, digestAlgorithm, digestOf, isDigest } from '../image/digest.js';
import { parseManifest, type RawManifest } from '../image/manifest.js';
import { MANIFEST_TYPES } from '../image/media-types.js';
import type { RegistryConnection } from './connection.js';
import { readBody } from './http.js';
import { pullScope, pushScope } from './scope.js';

// Manifests by tag or digest: GET and HEAD with an Accept list of every
// manifest type, PUT with the manifest's own media type, DELETE by digest.

const ACCEPT = MANIFEST_TYPES.join(', ');
const MAX_MANIFEST = 4 * 1024 * 1024;

/** Fetch a manifest; by digest it is verified, by tag its digest is computed. */
export async function getManifest(
  connection: RegistryConnection,
  repository: string,
  selector: string,
): Promise<RawManifest> {
  const context = `pulling manifest ${selector} from ${connection.host}/${repository}`;
  const response = await connection.request({
    method: 'GET',
    path: `/v2/${repository}/manifests/${selector}`,
    scopes: [pullScope(repository)],
    headers: { accept: ACCEPT },
    context,
  });
  if (response.statusCode !== 200) throw await connection.fail(response, context);
  const bytes = await readBody(response, MAX_MANIFEST);
  const served = response.headers['docker-content-digest'];
  const expected = isDigest(selector) ? (selector as Digest) : undefined;
  const digest = digestOf(bytes, expected ? digestAlgorithm(expected) : 'sha256');
  if (expected && digest !== expected) {
    throw new DigestMismatchError(`${context}: content has digest ${digest}`);
  }
  if (
    !expected &&
    typeof served === 'string' &&
    served.startsWith('sha256:') &&
    served !== digest
  ) {
    throw new DigestMismatchError(
      `${context}: content has digest ${digest}, registry says ${served}`,
    );
  }
  const contentType = response.headers['content-type']?.split(';')[0]?.trim();
  try {
    const { mediaType } = parseManifest(bytes, contentType);
    return { mediaType, digest, bytes };
  } catch (error) {
    throw withContext(context, error);
  }
}

/** HEAD a manifest: its descriptor, or undefined when absent. */
export async function headManifest(
  connection: RegistryConnection,
  repository: string,
  selector: string,
): Promise<Descriptor | undefined> {
  const context = `checking manifest ${selector} in ${connection.host}/${repository}`;
  const response = await connection.request({
    method: 'HEAD',
    path: `/v2/${repository}/manifests/${selector}`,
    scopes: [pullScope(repository)],
    headers: { accept: ACCEPT },
    context,
  });
  response.resume();
  if (response.statusCode === 404) return undefined;
  if (response.statusCode !== 200) throw await connection.fail(response, context);
  const digest = response.headers['docker-content-digest'];
  if (typeof digest !== 'string' || !isDigest(digest)) {
    // Registries need not send the digest on HEAD; GET has the bytes to compute it.
    const manifest = await getManifest(connection, repository, selector);
    return { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
  }
  return {
    mediaType: response.headers['content-type']?.split(';')[0]?.trim() ?? '',
    digest: digest as Digest,
    size: Number(response.headers['content-length'] ?? 0),
  };
}

/** PUT a manifest under a tag, or under its digest when no tag is given. */
export async function putManifest(
  connection: RegistryConnection,
  repository: string,
  manifest: RawManifest,
  tag?: string,
): Promise<void> {
  const reference = tag ?? manifest.digest;
  const context = `pushing manifest ${reference} to ${connection.host}/${repository}`;
  const response = await connection.request({
    method: 'PUT',
    path: `/v2/${repository}/manifests/${reference}`,
    scopes: [pushScope(repository)],
    headers: { 'content-type': manifest.mediaType },
    body: manifest.bytes,
    context,
  });
  if (response.statusCode !== 201) throw await connection.fail(response, context);
  response.resume();
  const stored = response.headers['docker-content-digest'];
  if (typeof stored === 'string' && stored.startsWith('sha256:') && stored !== manifest.digest) {
    throw new DigestMismatchError(
      `${context}: registry stored it as ${stored}, not ${manifest.digest}`,
    );
  }
}

/** Delete a manifest by digest (registries must have deletion enabled). */
export async function deleteManifest(
  connection: RegistryConnection,
  repository: string,
  digest: Digest,
): Promise<void> {
  const context = `deleting manifest ${digest} from ${connection.host}/${repository}`;
  const response = await connection.request({
    method: 'DELETE',
    path: `/v2/${repository}/manifests/${digest}`,
    scopes: [`repository:${repository}:delete`],
    context,
  });
  if (response.statusCode !== 202 && response.statusCode !== 200) {
    throw await connection.fail(response, context);
  }
  response.resume();
}
