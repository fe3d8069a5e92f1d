import { isValidArtifactName } from '../pipeline/artifact-repository.js';
import type { StepKind } from '../pipeline/step.js';
import { fieldError, stringField } from './deploy-fields.js';
import { provenance, repositoryFor } from './publish-repositories.js';

// `publish@general_artifacts` (Upload Artifact): keeps a run's artifact in a
// repository as a new version, numbered 1, 2, 3… per artifact name.

/** The Upload Artifact step. */
export const publishGeneral: StepKind = {
  kinds: ['publish@general_artifacts'],
  keys: ['dependArtifact', 'artifactRepository', 'artifactName'],

  validate(spec) {
    stringField(spec, 'dependArtifact', 'BUILD_ARTIFACT');
    const name = stringField(spec, 'artifactName', 'output');
    if (!isValidArtifactName(name)) {
      throw fieldError(spec, 'artifactName', `"${name}" is not a valid artifact name`);
    }
  },

  async run(spec, context) {
    const depend = stringField(spec, 'dependArtifact', 'BUILD_ARTIFACT');
    const repositoryName = stringField(spec, 'artifactRepository', 'default');
    const name = stringField(spec, 'artifactName', 'output');
    const source = context.artifact(depend);
    const repository = await repositoryFor(context, repositoryName);
    const stored = await repository.put(
      name,
      source.file,
      { kind: 'next' },
      provenance(context, spec.name),
    );
    context.emit({
      kind: 'artifact.stored',
      message: `stored ${name} version ${stored.version} in ${repositoryName} (sha256:${stored.sha256})`,
      repository: repositoryName,
      ...stored,
    });
  },
};
