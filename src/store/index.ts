// The local image store: an OCI image layout with atomic, verified blobs.
export type { BlobSource } from './blob-sources.js';
export { type BlobContent, SMALL_BLOB_LIMIT, type WrittenBlob } from './blobs.js';
export { type LayoutIndex, readIndex } from './index-file.js';
export { processIsGone, withFileLock } from './lock.js';
export { OciStore, openStore, type StoreTag, storeName } from './oci-store.js';
export { checksContent, type ExpectedContent, mismatch, verifyingStream } from './verify.js';
