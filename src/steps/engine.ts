import { SlipwayError } from '../errors/index.js';
import type { BuildImage } from './docker-engine.js';

// Finding slipway's build engine (build/index.ts `buildImage`) at run time.
// TODO(#5): import build/index.ts statically once the engine is on main.

const ENGINE_MODULE = '../build/index.js';

/** The engine's buildImage, or an error saying this build of slipway lacks it. */
export async function loadBuildEngine(): Promise<BuildImage> {
  const engine = (await import(ENGINE_MODULE).catch(() => undefined)) as
    | { buildImage?: BuildImage }
    | undefined;
  if (typeof engine?.buildImage !== 'function') {
    throw new SlipwayError(
      'ENGINE_MISSING',
      'build@docker needs the image build engine (build/index.ts buildImage), which this build of slipway does not include',
    );
  }
  return engine.buildImage;
}
