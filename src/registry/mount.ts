import type { Descriptor } from '../image/descriptor.js';
import type { RegistryConnection } from './connection.js';
import { pullScope, pushScope } from './scope.js';
import { startUpload, uploadLocation } from './upload.js';

// Cross-repository mount: `POST /v2/<to>/blobs/uploads/?mount=<digest>&from=<from>`.
// 201 means the registry linked the blob; 202 means it would not (other
// storage, no access to `from`) and opened an ordinary upload instead.

/** Mount a blob from another repository of the same registry. */
export async function mountBlob(
  connection: RegistryConnection,
  repository: string,
  descriptor: Descriptor,
  from: string,
): Promise<{ mounted: true } | { mounted: false; location: URL }> {
  const query = `?mount=${encodeURIComponent(descriptor.digest)}&from=${encodeURIComponent(from)}`;
  // The token must also allow pulling from the repository mounted from.
  const scopes = [pushScope(repository), pullScope(from)];
  const response = await startUpload(connection, repository, query, scopes);
  if (response.statusCode === 201) {
    response.resume();
    return { mounted: true };
  }
  const context = `mounting ${descriptor.digest} from ${from} into ${connection.host}/${repository}`;
  return { mounted: false, location: await uploadLocation(connection, response, context) };
}
