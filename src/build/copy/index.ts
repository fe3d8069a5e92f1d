// COPY and ADD with BuildKit's semantics: plan, digest for the cache, write.
export { isArchive, unpackArchive } from './archive.js';
export { digestCopy } from './digest.js';
export { executeCopy } from './execute.js';
export { excludeMatcher, hasWildcard } from './glob.js';
export { FileHashCache } from './hash-cache.js';
export { type ModeChange, parseModeChange } from './mode.js';
export { fileOpOwner, type Owner, resolveChown } from './owner.js';
export { type CopyItem, type CopySpec, planCopy } from './plan.js';
export { expandSource, resolveInRoot, resolveInside, type Visibility } from './resolve.js';
