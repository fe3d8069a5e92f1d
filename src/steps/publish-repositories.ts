import type { ArtifactRepository } from '../pipeline/artifact-repository.js';
import {
  artifactConfigPath,
  loadRepositoryConfigs,
  openRepository,
} from '../pipeline/artifact-repository-config.js';
import type { StepContext } from '../pipeline/step.js';
import { ociOpener } from './artifact-repository-oci-open.js';

// Opening the artifact repositories a step names, from the config file given
// with `--artifact-config` or the one in the state directory.

/** The repository called `name`, as configured for this run. */
export async function repositoryFor(
  context: StepContext,
  name: string,
): Promise<ArtifactRepository> {
  const file = context.config['artifact-config'] ?? artifactConfigPath(context.stateDir);
  const configs = await loadRepositoryConfigs(file, context.stateDir);
  const config = configs.get(name);
  const opener =
    config?.kind === 'oci'
      ? await ociOpener(context.stateDir, context.hostEnv ?? process.env, (id) =>
          context.credential(id),
        )
      : undefined;
  return openRepository(configs, name, opener);
}

/** Where a stored version came from, kept beside it. */
export function provenance(context: StepContext, step: string): Record<string, string> {
  const labels: Record<string, string> = { step };
  const keys = {
    pipeline: 'GITEE_PIPELINE_NAME',
    build: 'GITEE_PIPELINE_BUILD_NUMBER',
    commit: 'GITEE_COMMIT',
    branch: 'GITEE_BRANCH',
  };
  for (const [label, param] of Object.entries(keys)) {
    const value = context.params.get(param);
    if (value) labels[label] = value;
  }
  return labels;
}
