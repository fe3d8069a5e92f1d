// layer/: writing a set of file changes as a layer blob, and applying one.
export * from './apply.js';
export * from './change.js';
export * from './compression.js';
export * from './diff.js';
export { MtimeSetter } from './mtimes.js';
export * from './overlay.js';
export * from './write.js';
export * from './xattr.js';
