import type { Emit } from '../log/index.js';

// The build engine's entry point as build@docker calls it. build/index.ts
// exports `buildImage` with this shape; the step takes it injected so tests
// can hand it a fake.

/** A registry account for one host. */
export interface BasicCredential {
  username: string;
  password: string;
}

/** Credentials by registry host (src/auth's lookup). */
export interface CredentialSource {
  lookup(host: string): BasicCredential | undefined;
}

export interface BuildImageOptions {
  contextDir: string;
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  noCache: boolean;
  push: boolean;
  platforms?: string[];
  credentials?: CredentialSource;
  insecureRegistries?: string[];
  emit: Emit;
  signal?: AbortSignal;
  home?: string;
}

export interface BuildImageResult {
  /** The manifest (or index) digest pushed. */
  digest: string;
  /** The references pushed. */
  references: string[];
}

export type BuildImage = (options: BuildImageOptions) => Promise<BuildImageResult>;
