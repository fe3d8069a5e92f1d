import { InputError, SlipwayError, withContext } from '../../errors/index.js';
import type { CopySpec } from '../copy/index.js';
import type { NamedContext } from '../options.js';
import type { StageRun } from '../stage.js';
import { dirVisibility } from './local-base.js';

// Where `--from` points: the context (default), a named context directory,
// an earlier stage, or an image; as a root directory to read, with the key
// that stands for its content when it has one (a stage's or image's key).

/** A readable root for COPY --from and bind mounts. */
export interface SourceRoot {
  root: string;
  /** The content key of a stage or image; undefined for directories (hash them). */
  key?: string;
  /** Whether files keep their owners (stages and images) or become 0:0. */
  fromContext: boolean;
  /**
   * What the directory's .dockerignore hides (the context, a named directory);
   * undefined, or without `visible`, when it hides nothing.
   */
  ignore?: Pick<CopySpec, 'visible' | 'descendHidden'>;
  release: () => Promise<void>;
}

const nothing = async () => {};

/** Open the root a `--from` value names. */
export async function sourceRoot(run: StageRun, from: string | undefined): Promise<SourceRoot> {
  const { env } = run;
  if (from === undefined || from === '') {
    const ignore = env.ignoresAny
      ? { visible: env.visible, descendHidden: env.descendHidden }
      : undefined;
    return { root: env.contextDir, fromContext: true, ignore, release: nothing };
  }
  const named = env.options.buildContexts?.[from];
  if (named?.kind === 'dir') {
    // BuildKit loads a named directory with its own .dockerignore applied.
    const ignore = await dirVisibility(named.path);
    return { root: named.path, fromContext: true, ignore, release: nothing };
  }
  const stage = named ? undefined : env.findStage(from, run.stage.index);
  if (stage) {
    const result = await env.stageResult(stage);
    await env.images.ensureBlobs(result.state);
    const view = await env.workspaces.view(result.state);
    return { root: view.root, key: result.key, fromContext: false, release: view.release };
  }
  if (/^\d+$/.test(from)) {
    throw new InputError('UNKNOWN_STAGE', `--from=${from}: no stage ${from} before this one`);
  }
  const image = await resolveImage(run, from, named);
  await env.images.ensureBlobs(image.state);
  const view = await env.workspaces.view(image.state);
  return { root: view.root, key: image.key, fromContext: false, release: view.release };
}

// A plain word that names no stage is read as an image, as BuildKit does; when that
// fails, the likelier cause is a stage name misspelt, so the error says both.
async function resolveImage(run: StageRun, from: string, named: NamedContext | undefined) {
  try {
    return await run.env.images.resolveNamed(from, named);
  } catch (error) {
    if (named !== undefined || /[/:@.]/.test(from) || !(error instanceof SlipwayError)) {
      throw error;
    }
    const read = `no stage named ${from} before this one, so it was read as an image`;
    const hint =
      `define the stage above (FROM … AS ${from}), ` +
      `pass --build-context ${from}=…, or name the image in full`;
    // The image lookup's own error (its class, code and exit status), with the stage advice.
    throw Object.assign(withContext(`--from=${from}: ${read}`, error), { hint });
  }
}
