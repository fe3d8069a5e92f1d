// The OCI distribution API client: auth, blobs, manifests, uploads, mounts,
// tags, retries, mirrors, and copying images between back ends.
export { type ClientOptions, ConnectionPool, RegistryClient } from './client.js';
export { type ConnectionOptions, RegistryConnection } from './connection.js';
export {
  type CopyOptions,
  type CopyResult,
  copyImage,
  forEachLimit,
  pickPlatform,
} from './copy.js';
export { distributable, type ExportCompression } from './distributable.js';
export { makeRegistryError } from './errors.js';
export { MirroredSource } from './mirrors.js';
export { blobOrigins } from './mount-sources.js';
export { openPullSource, openRepository } from './open.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export {
  defaultSettings,
  hostSettings,
  isLocalHost,
  loadSettings,
  type RegistryHostSettings,
  type RegistrySettings,
} from './settings.js';
export type { UploadOptions } from './upload.js';
