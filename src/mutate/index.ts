// mutate/: pure edits of an image's config and manifest, and their encoding.
export * from './encode.js';
export * from './mutate.js';
