import type { Readable } from 'node:stream';
import { SlipwayError } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import { verifyingStream } from '../store/verify.js';
import type { RegistryConnection } from './connection.js';
import { pullScope } from './scope.js';

// Blobs: HEAD to see whether one exists, GET as a stream that is verified
// against its digest as it flows (redirects to storage followed).

/** Whether the repository has the blob. */
export async function headBlob(
  connection: RegistryConnection,
  repository: string,
  descriptor: Descriptor,
): Promise<boolean> {
  const context = `checking blob ${descriptor.digest} in ${connection.host}/${repository}`;
  const response = await connection.request({
    method: 'HEAD',
    path: `/v2/${repository}/blobs/${descriptor.digest}`,
    scopes: [pullScope(repository)],
    context,
  });
  response.resume();
  if (response.statusCode === 200) return true;
  if (response.statusCode === 404) return false;
  throw await connection.fail(response, context);
}

/** Download a blob as a stream that fails unless it matches `descriptor`. */
export async function getBlob(
  connection: RegistryConnection,
  repository: string,
  descriptor: Descriptor,
): Promise<Readable> {
  const what = `blob ${descriptor.digest} from ${connection.host}/${repository}`;
  const response = await connection.request({
    method: 'GET',
    path: `/v2/${repository}/blobs/${descriptor.digest}`,
    scopes: [pullScope(repository)],
    context: `pulling ${what}`,
  });
  if (response.statusCode !== 200) throw await connection.fail(response, `pulling ${what}`);
  return verified(response, descriptor, what);
}

/** Pass `source` through a digest check; a source failure names the content and progress. */
export function verified(source: Readable, descriptor: Descriptor, what: string): Readable {
  const checked = verifyingStream(descriptor, what);
  let received = 0;
  const interrupted = (why: string, cause?: Error) => {
    if (checked.destroyed) return;
    const message = `${what}: interrupted after ${received} of ${descriptor.size} bytes: ${why}`;
    checked.destroy(new SlipwayError('TRANSFER_INTERRUPTED', message, { cause }));
  };
  source.on('data', (chunk: Buffer) => (received += chunk.length));
  source.on('error', (error) => interrupted(error.message, error));
  source.on('aborted', () => interrupted('the connection closed early (truncated)'));
  checked.on('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  // The download may break before its consumer starts reading (a store write
  // first makes its temp folder): the error stays on `checked` (errored) for
  // pipeline() or for-await to find, instead of being thrown as uncaught.
  checked.on('error', () => {});
  source.pipe(checked);
  return checked;
}
