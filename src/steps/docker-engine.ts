import type { BuildOptions, BuildResult } from '../build/index.js';

// The build engine as build@docker calls it: build/index.ts `buildImage`,
// passed in so that unit tests of the step can hand it a recording fake.

/** A registry account for one host. */
export interface BasicCredential {
  username: string;
  password: string;
}

/** What the step asks of the engine. */
export type BuildImageOptions = BuildOptions;

/** What the step reads back: the pushed digest and references. */
export type BuildImageResult = Pick<BuildResult, 'digest' | 'references'>;

/** The engine's entry point (build/index.ts `buildImage` has this shape). */
export type BuildImage = (options: BuildImageOptions) => Promise<BuildImageResult>;
