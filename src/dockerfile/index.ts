// The Dockerfile front end: text in, typed instructions out.
export type { Ast, AstNode } from './ast.js';
export { type CheckOptions, parseCheckDirective, runChecks } from './checks.js';
export { dumpAst } from './dump.js';
export { DockerfileError } from './errors.js';
export * from './expand.js';
export { type IgnoreMatcher, makeIgnoreMatcher, parseIgnoreFile } from './ignore.js';
export { findIgnoreFile, type IgnoreFile } from './ignore-file.js';
export { parseMount } from './mounts.js';
export { type ParsedDockerfile, type ParseOptions, parseDockerfile } from './parse.js';
export {
  type ArgPlatform,
  GlobalScope,
  PROXY_ARGS,
  platformArgs,
  type ScopeOptions,
  StageScope,
  unusedBuildArgs,
} from './scope.js';
export {
  findStageRef,
  type StageEdge,
  stageGraph,
  stagesNeededFor,
  targetStage,
} from './stages.js';
export * from './types.js';
