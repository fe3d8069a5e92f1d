/** A check on one path of the built image, for cases judged by what current BuildKit does. */
export interface Expectation {
  path: string;
  absent?: boolean;
  type?: string;
  /** Octal text, e.g. "0644". */
  mode?: string;
  uid?: number;
  gid?: number;
  content?: string;
  target?: string;
  /** PAX mtime text, e.g. "1577934245.123456789" (trailing zeros ignored). */
  mtime?: string;
}

/** Changes made to the context copy between a first and a second (cached) build. */
export interface ContextChange {
  rename?: [string, string][];
  write?: Record<string, string>;
}

/** One conformance case: a Dockerfile, its context, and what else to check (case.json). */
export interface CaseSpec {
  name: string;
  context: string;
  dockerfile: string;
  /** A `<Dockerfile>.dockerignore` beside the Dockerfile, if any. */
  dockerignore?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  /** kaniko cases: the context folder relative to the corpus folder (default: the folder). */
  contextDir?: string;
  /** Why this case cannot run here. */
  skip?: string;
  /** Why the reference (BuildKit v0.8) does not show current BuildKit's behaviour. */
  knownDifference?: string;
  /** Checks on the candidate's image (and, for information, the reference's). */
  expect?: Expectation[];
  /** Compare mtimes under these prefixes ('/' for all). */
  mtimes?: string[];
  ignorePaths?: string[];
  /** Compare each layer's entries (names, whiteouts), not only the final tree. */
  compareLayers?: boolean;
  /** Build the candidate with this umask (the reference keeps 022). */
  umask?: string;
  /** Change the context, build both again with cache, and compare the second images. */
  rebuild?: ContextChange;
  /** Build the candidate a second time (warm); both images must be identical. */
  warmRebuild?: boolean;
  /** Owners to give context files before building: path -> "uid:gid". */
  chown?: Record<string, string>;
  /** Shell command run in the context copy before building (e.g. making archives). */
  prepare?: string;
}

/** The fields case.json may set (everything but where the case lives). */
export type CaseSettings = Omit<CaseSpec, 'name' | 'context' | 'dockerfile' | 'dockerignore'>;
