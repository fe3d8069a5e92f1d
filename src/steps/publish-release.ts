import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StepFailedError } from '../errors/index.js';
import { chooseReleaseVersion, isReleaseVersion } from '../pipeline/artifact-repository-release.js';
import type { StepContext, StepKind, StepSpec } from '../pipeline/step.js';
import { boolField, fieldError, optionalString, stringField } from './deploy-fields.js';
import { provenance, repositoryFor } from './publish-repositories.js';

// `publish@release_artifacts` (Release): stores an artifact under a four-part
// version (1.0.0.0, 1.0.0.1…) and tags the released commit `v<version>`.

const run = promisify(execFile);

/** The Release step. */
export const publishRelease: StepKind = {
  kinds: ['publish@release_artifacts'],
  keys: ['dependArtifact', 'artifactRepository', 'artifactName', 'version', 'autoIncrement'],

  validate(spec) {
    const version = optionalString(spec, 'version');
    if (version !== undefined && !isReleaseVersion(version)) {
      throw fieldError(
        spec,
        'version',
        `"${version}" is not four numbers`,
        'write it like 1.0.0.0',
      );
    }
    boolField(spec, 'autoIncrement', true);
  },

  async run(spec, context) {
    publishRelease.validate?.(spec);
    const depend = stringField(spec, 'dependArtifact', 'output');
    const repositoryName = stringField(spec, 'artifactRepository', 'release');
    const name = stringField(spec, 'artifactName', depend);
    const requested = optionalString(spec, 'version');
    const autoIncrement = boolField(spec, 'autoIncrement', true);
    const file = await releaseSource(spec, context, depend);

    const repository = await repositoryFor(context, repositoryName);
    const choose = (taken: readonly { version: string }[]) =>
      chooseReleaseVersion(
        requested,
        taken.map((v) => v.version),
        autoIncrement,
        repositoryName,
      );
    const labels = provenance(context, spec.name);
    const stored = await repository.put(name, file, { kind: 'choose', choose }, labels);
    context.setOutput('RELEASE_VERSION', stored.version);
    context.emit({
      kind: 'artifact.released',
      message: `released ${name} ${stored.version} in ${repositoryName}`,
      repository: repositoryName,
      ...stored,
    });
    await tagRelease(context, `v${stored.version}`);
  },
};

/** The run's artifact `depend`, else the latest upload of that name in `default`. */
async function releaseSource(spec: StepSpec, context: StepContext, depend: string) {
  try {
    return context.artifact(depend).file;
  } catch {
    const general = await repositoryFor(context, 'default');
    if ((await general.versions(depend)).length === 0) {
      throw fieldError(
        spec,
        'dependArtifact',
        `"${depend}" is neither an artifact of this run nor an uploaded artifact`,
        'name a build step artifact or the artifactName of an Upload Artifact step',
      );
    }
    const dest = join(context.stepDir, `${depend}.tar.gz`);
    await rm(dest, { force: true });
    await general.fetch(depend, 'latest', dest);
    return dest;
  }
}

/** Tag the run's commit (or HEAD) in the workspace checkout. */
async function tagRelease(context: StepContext, tag: string): Promise<void> {
  const git = (...args: string[]) => run('git', ['-C', context.workspace, ...args]);
  const inside = await git('rev-parse', '--is-inside-work-tree').then(
    () => true,
    () => false,
  );
  if (!inside) {
    context.emit({
      kind: 'release.untagged',
      level: 'warn',
      message: 'workspace is not a git checkout; no tag made',
    });
    return;
  }
  const commit = context.params.get('GITEE_COMMIT') || 'HEAD';
  try {
    await git('tag', tag, commit);
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new StepFailedError(`tagging ${commit} as ${tag}: ${stderr}`, { cause: error });
  }
  context.emit({ kind: 'release.tagged', message: `tagged ${commit} as ${tag}` });
}
