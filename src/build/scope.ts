import type { ArgDeclaration } from '../dockerfile/index.js';
import { expandWord, platformArgs as platformArgMap } from '../dockerfile/index.js';
import { buildkitPlatform, hostPlatform, type Platform } from '../image/index.js';
import { getEnv } from './metadata.js';

// ARG and ENV scope as BuildKit keeps it: global ARGs (before the first FROM)
// serve FROM lines and stages that declare them again; a stage's ARGs take
// --build-arg values first, then their default, then the global value; ENV
// values shadow ARGs of the same name in expansion and in RUN's environment.

/**
 * The values every build knows without a declaration: TARGET* name the platform being
 * built, BUILD* the machine building it (they differ in a cross build), as BuildKit sets them.
 */
export function platformArgs(target: Platform, build: Platform = hostPlatform()) {
  return Object.fromEntries(platformArgMap(buildkitPlatform(build), buildkitPlatform(target)));
}

/** Build args that are passed to RUN without a declaration, as Docker does. */
const PROXY_ARGS = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];

/** The global scope: ARGs before the first FROM, with --build-arg values applied. */
export function globalScope(
  declarations: ArgDeclaration[],
  buildArgs: Record<string, string>,
  builtins: Record<string, string>,
): Map<string, string | undefined> {
  const scope = new Map<string, string | undefined>(Object.entries(builtins));
  for (const declaration of declarations) {
    const lookup = (name: string) => scope.get(name);
    const value =
      buildArgs[declaration.key] ??
      (declaration.value === undefined ? undefined : expandWord(declaration.value, lookup));
    scope.set(declaration.key, value);
  }
  return scope;
}

/** A stage's view of ARG and ENV while its instructions run. */
export class StageScope {
  /** Declared ARGs in order, with their values (undefined: declared, no value). */
  readonly args = new Map<string, string | undefined>();

  constructor(
    private readonly global: ReadonlyMap<string, string | undefined>,
    private readonly buildArgs: Record<string, string>,
    private readonly builtins: Record<string, string>,
    /** The ARGs of the stage this one is built FROM, if it is one. */
    inherited?: ReadonlyMap<string, string | undefined>,
  ) {
    for (const [key, value] of inherited ?? []) this.args.set(key, value);
  }

  /** Declare ARGs; returns the `created_by` words (`K=V` or `K`). */
  declare(declarations: ArgDeclaration[], env: readonly string[]): string[] {
    const words: string[] = [];
    for (const declaration of declarations) {
      const lookup = (name: string) => this.lookup(name, env);
      const value =
        this.buildArgs[declaration.key] ??
        (declaration.value !== undefined
          ? expandWord(declaration.value, lookup)
          : (this.global.get(declaration.key) ??
            this.builtins[declaration.key] ??
            // Declared again without a value: the value it has stays.
            this.args.get(declaration.key)));
      this.args.set(declaration.key, value);
      words.push(declaration.value === undefined ? declaration.key : `${declaration.key}=${value}`);
    }
    return words;
  }

  /** A variable's value for expansion: ENV first, then declared ARGs. */
  lookup(name: string, env: readonly string[]): string | undefined {
    return getEnv(env, name) ?? this.args.get(name);
  }

  /** The lookup function expandWord takes, for the environment in effect. */
  lookupIn(env: readonly string[]): (name: string) => string | undefined {
    return (name) => this.lookup(name, env);
  }

  /** ARG values that RUN sees as environment variables (ENV shadows them). */
  runArgs(env: readonly string[]): [string, string][] {
    const pairs: [string, string][] = [];
    for (const [key, value] of this.args) {
      if (value !== undefined && getEnv(env, key) === undefined) pairs.push([key, value]);
    }
    for (const key of PROXY_ARGS) {
      const value = this.buildArgs[key];
      if (value !== undefined && !this.args.has(key)) pairs.push([key, value]);
    }
    return pairs;
  }

  /** Declared ARGs with values, for RUN's history text (`|N K=V ...`). */
  historyArgs(env: readonly string[]): [string, string][] {
    const pairs: [string, string][] = [];
    for (const [key, value] of this.args) {
      if (value === undefined) continue;
      pairs.push([key, getEnv(env, key) ?? value]);
    }
    return pairs;
  }
}
