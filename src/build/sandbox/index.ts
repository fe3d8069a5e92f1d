// The sandbox: the only code in slipway that starts a process inside a root
// filesystem (RUN steps, containerised pipeline steps).

export { DEFAULT_HOSTNAME, DEFAULT_PATH } from './env.js';
export { resolveInRoot } from './rootpath.js';
export { deleteStaleContainers, RUNC_STATE_ROOT } from './runc.js';
export { chooseBackend, runInSandbox, SandboxError } from './sandbox.js';
export type {
  SandboxBackend,
  SandboxMount,
  SandboxOptions,
  SandboxResult,
  SandboxUser,
} from './types.js';
export { type ResolvedUser, resolveUser } from './user.js';
