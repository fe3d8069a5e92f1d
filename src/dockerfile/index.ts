// The Dockerfile front end: text in, typed instructions out.
export type { Ast, AstNode } from './ast.js';
export { dumpAst } from './dump.js';
export { DockerfileError } from './errors.js';
export * from './expand.js';
export { parseMount } from './mounts.js';
export { type ParsedDockerfile, type ParseOptions, parseDockerfile } from './parse.js';
export * from './types.js';
