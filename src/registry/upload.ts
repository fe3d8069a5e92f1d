import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { RegistryError, SlipwayError } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import { checksContent } from '../store/verify.js';
import { verified } from './blobs.js';
import type { RegistryConnection } from './connection.js';
import { NetworkError } from './http.js';
import { backoff, DEFAULT_RETRY, isRetryableStatus, pause } from './retry.js';
import { pushScope } from './scope.js';

// Blob uploads: POST opens an upload session; a small blob goes up in one PUT,
// a large one in PATCH chunks with Content-Range, closed by PUT ?digest=.
// Content streams from `open()`; a failed upload starts over with a new session.

/** Sizes that pick monolithic or chunked uploads. */
export interface UploadOptions {
  /** Blobs up to this size go in one PUT. */
  monolithicLimit?: number;
  /** Chunk size of PATCH uploads. */
  chunkSize?: number;
  /** Whole-upload tries before giving up. */
  attempts?: number;
}

const MIB = 1024 * 1024;

/** Open an upload session; resolves to its location. Also used by mount on 202. */
export async function startUpload(
  connection: RegistryConnection,
  repository: string,
  query = '',
  scopes = [pushScope(repository)],
): Promise<IncomingMessage> {
  return connection.request({
    method: 'POST',
    path: `/v2/${repository}/blobs/uploads/${query}`,
    scopes,
    headers: { 'content-length': '0' },
    body: Buffer.alloc(0),
    context: `starting an upload to ${connection.host}/${repository}`,
  });
}

/** The upload location from a 202 answer. */
export async function uploadLocation(
  connection: RegistryConnection,
  response: IncomingMessage,
  context: string,
): Promise<URL> {
  const location = response.headers.location;
  response.resume();
  if (response.statusCode !== 202 || !location) throw await connection.fail(response, context);
  return connection.url(location);
}

/** Upload a blob, restarting from `open()` after a retryable failure. */
export async function uploadBlob(
  connection: RegistryConnection,
  repository: string,
  descriptor: Descriptor,
  open: () => Promise<Readable>,
  options: UploadOptions = {},
  firstLocation?: URL,
): Promise<void> {
  const attempts = options.attempts ?? DEFAULT_RETRY.attempts;
  const context = `pushing blob ${descriptor.digest} to ${connection.host}/${repository}`;
  let location = firstLocation;
  for (let attempt = 1; ; attempt++) {
    try {
      location ??= await uploadLocation(
        connection,
        await startUpload(connection, repository),
        context,
      );
      const content = await open();
      const source = checksContent(content, descriptor)
        ? content
        : verified(content, descriptor, `blob ${descriptor.digest}`);
      const limit = options.monolithicLimit ?? 16 * MIB;
      if (descriptor.size <= limit)
        await putWhole(connection, repository, location, source, descriptor);
      else
        await patchChunks(
          connection,
          repository,
          location,
          source,
          descriptor,
          options.chunkSize ?? 64 * MIB,
        );
      return;
    } catch (error) {
      location = undefined;
      if (!restartable(error) || attempt >= attempts) throw error;
      const delay = backoff(DEFAULT_RETRY, attempt);
      connection.emit({
        kind: 'registry.retry',
        level: 'warn',
        message: `${context}: ${(error as Error).message}; starting over (try ${attempt + 1} of ${attempts})`,
        registry: connection.host,
        attempt,
      });
      await pause(delay);
    }
  }
}

function restartable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof RegistryError)
    return error.status === 401 || isRetryableStatus(error.status);
  return error instanceof SlipwayError && error.code === 'TRANSFER_INTERRUPTED';
}

function withDigest(location: URL, descriptor: Descriptor): URL {
  const url = new URL(location);
  url.searchParams.set('digest', descriptor.digest);
  return url;
}

async function putWhole(
  connection: RegistryConnection,
  repository: string,
  location: URL,
  source: Readable,
  descriptor: Descriptor,
): Promise<void> {
  const context = `pushing blob ${descriptor.digest} to ${connection.host}/${repository}`;
  const response = await connection.request({
    method: 'PUT',
    path: withDigest(location, descriptor),
    scopes: [pushScope(repository)],
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(descriptor.size),
    },
    body: source,
    context,
  });
  await finished(connection, response, context, 201);
}

async function patchChunks(
  connection: RegistryConnection,
  repository: string,
  first: URL,
  source: Readable,
  descriptor: Descriptor,
  chunkSize: number,
): Promise<void> {
  const context = `pushing blob ${descriptor.digest} to ${connection.host}/${repository}`;
  const chunks = source[Symbol.asyncIterator]();
  let pending: Buffer | undefined;
  // The next `length` bytes of the source, without holding more than one read.
  async function* slice(length: number): AsyncGenerator<Buffer> {
    let remaining = length;
    while (remaining > 0) {
      let chunk = pending;
      pending = undefined;
      if (!chunk) {
        const next = await chunks.next();
        if (next.done) return;
        chunk = next.value as Buffer;
      }
      if (chunk.length > remaining) {
        pending = chunk.subarray(remaining);
        chunk = chunk.subarray(0, remaining);
      }
      remaining -= chunk.length;
      yield chunk;
    }
  }
  let location = first;
  for (let offset = 0; offset < descriptor.size; ) {
    const length = Math.min(chunkSize, descriptor.size - offset);
    const response = await connection.request({
      method: 'PATCH',
      path: location,
      scopes: [pushScope(repository)],
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(length),
        'content-range': `${offset}-${offset + length - 1}`,
      },
      body: Readable.from(slice(length), { objectMode: false }),
      context,
    });
    location = await uploadLocation(connection, response, context);
    offset += length;
  }
  // Reading past the end lets the digest check finish (and fail if it must).
  const rest = await chunks.next();
  if (!rest.done) {
    throw new SlipwayError(
      'BLOB_TOO_LONG',
      `${context}: content is longer than ${descriptor.size}`,
    );
  }
  const response = await connection.request({
    method: 'PUT',
    path: withDigest(location, descriptor),
    scopes: [pushScope(repository)],
    headers: { 'content-length': '0' },
    body: Buffer.alloc(0),
    context,
  });
  await finished(connection, response, context, 201);
}

async function finished(
  connection: RegistryConnection,
  response: IncomingMessage,
  context: string,
  expected: number,
): Promise<void> {
  if (response.statusCode !== expected) throw await connection.fail(response, context);
  response.resume();
}
