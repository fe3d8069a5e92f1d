// ARG and ENV scoping as BuildKit applies it: the global scope of FROM lines and
// the environment of each stage, step by step.
import { expandWord } from './expand.js';
import type { ArgInstruction, EnvInstruction, KeyValue } from './types.js';

/** ARGs that exist without a declaration when given as --build-arg. */
export const PROXY_ARGS = [
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

/** A platform as the platform ARGs spell it. */
export interface ArgPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

/** BUILDPLATFORM, BUILDOS, ..., TARGETVARIANT for a build and target platform. */
export function platformArgs(build: ArgPlatform, target: ArgPlatform): Map<string, string> {
  const args = new Map<string, string>();
  for (const [prefix, platform] of [
    ['BUILD', build],
    ['TARGET', target],
  ] as const) {
    const variant = platform.variant ?? '';
    const spec = [platform.os, platform.architecture, variant].filter((p) => p !== '');
    args.set(`${prefix}PLATFORM`, spec.join('/'));
    args.set(`${prefix}OS`, platform.os);
    args.set(`${prefix}ARCH`, platform.architecture);
    args.set(`${prefix}VARIANT`, variant);
  }
  return args;
}

/** What the scopes need to know about the build. */
export interface ScopeOptions {
  /** --build-arg values. */
  buildArgs: ReadonlyMap<string, string>;
  /** Platform ARGs (see platformArgs); usable in FROM and by `ARG NAME` in a stage. */
  platform?: ReadonlyMap<string, string>;
  escapeToken?: '\\' | '`';
}

/** The scope before the first FROM: global ARGs and platform ARGs. */
export class GlobalScope {
  /** Values usable in FROM lines (and inherited by `ARG NAME` in a stage). */
  readonly values = new Map<string, string>();
  /** Every ARG name declared anywhere, to find unused --build-arg values. */
  readonly declared = new Set<string>();

  constructor(
    globalArgs: readonly ArgInstruction[],
    readonly options: ScopeOptions,
  ) {
    for (const [key, value] of options.platform ?? []) this.values.set(key, value);
    for (const instruction of globalArgs) {
      for (const arg of instruction.args) {
        this.declared.add(arg.key);
        const given = options.buildArgs.get(arg.key);
        if (given !== undefined) this.values.set(arg.key, given);
        else if (arg.value !== undefined) this.values.set(arg.key, this.expand(arg.value));
      }
    }
  }

  /** Expands a FROM word (image or --platform) with the global ARGs. */
  expand(word: string): string {
    return expandWord(word, (name) => this.values.get(name), this.lexOptions());
  }

  lexOptions() {
    return { escapeToken: this.options.escapeToken ?? '\\' };
  }
}

/** The environment of one stage while it is built, instruction by instruction. */
export class StageScope {
  /** ENV as the image config records it. */
  private readonly imageEnv = new Map<string, string>();
  /** ENV plus ARGs with values: what RUN sees and what words expand with. */
  private readonly env = new Map<string, string>();
  /** ARG names declared in this stage (with or without a value). */
  private readonly args = new Set<string>();

  /** Starts from the base image's `Env` (`KEY=value` strings). */
  constructor(
    private readonly global: GlobalScope,
    baseEnv: readonly string[] = [],
  ) {
    for (const entry of baseEnv) {
      const at = entry.indexOf('=');
      const key = at < 0 ? entry : entry.slice(0, at);
      const value = at < 0 ? '' : entry.slice(at + 1);
      this.imageEnv.set(key, value);
      this.env.set(key, value);
    }
  }

  /** The value of a name for expansion, or undefined when unset. */
  lookup = (name: string): string | undefined => this.env.get(name);

  /** Expands a word of an instruction with this step's environment. */
  expand(word: string): string {
    return expandWord(word, this.lookup, this.global.lexOptions());
  }

  /** Applies ARG: a given --build-arg wins, then the default, then the global value. */
  declareArg(instruction: ArgInstruction): KeyValue[] {
    const committed: KeyValue[] = [];
    for (const arg of instruction.args) {
      this.args.add(arg.key);
      this.global.declared.add(arg.key);
      const given = this.global.options.buildArgs.get(arg.key);
      let value: string | undefined;
      if (given !== undefined) value = given;
      else if (arg.value !== undefined) value = this.expand(arg.value);
      else value = this.global.values.get(arg.key);
      if (value !== undefined) {
        this.env.set(arg.key, value);
        committed.push({ key: arg.key, value });
      }
    }
    return committed;
  }

  /** Applies ENV; returns the expanded pairs (each sees the ones before it). */
  setEnv(instruction: EnvInstruction): KeyValue[] {
    return instruction.env.map(({ key, value }) => {
      const expanded = this.expand(value);
      this.env.set(key, expanded);
      this.imageEnv.set(key, expanded);
      return { key, value: expanded };
    });
  }

  /** `KEY=value` for a RUN step: ENV, ARGs with values, given proxy ARGs. */
  runEnv(): string[] {
    const env = new Map(this.env);
    for (const name of PROXY_ARGS) {
      const given = this.global.options.buildArgs.get(name);
      if (given !== undefined && !env.has(name)) env.set(name, given);
    }
    return [...env].map(([key, value]) => `${key}=${value}`);
  }

  /** `KEY=value` of the image config's Env. */
  configEnv(): string[] {
    return [...this.imageEnv].map(([key, value]) => `${key}=${value}`);
  }

  /** True when ARG declared this name in the stage. */
  hasArg(name: string): boolean {
    return this.args.has(name);
  }
}

/** --build-arg names no ARG declared (proxy ARGs excepted), for a warning. */
export function unusedBuildArgs(global: GlobalScope): string[] {
  return [...global.options.buildArgs.keys()]
    .filter((name) => !global.declared.has(name) && !PROXY_ARGS.includes(name))
    .sort();
}
