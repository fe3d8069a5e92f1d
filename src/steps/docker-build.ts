import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, messageOf, RegistryError } from '../errors/index.js';
import { fetchArtifact, insideRoot, unpackArtifact } from '../pipeline/artifacts.js';
import type { StepContext, StepKind, StepSpec } from '../pipeline/step.js';
import { isLocalHost } from '../registry/index.js';
import type { BasicCredential, BuildImage } from './docker-engine.js';
import {
  artifactEntries,
  buildArgs,
  DOCKER_KEYS,
  outputNames,
  platforms,
  text,
  useCache,
} from './docker-fields.js';
import { joinImageReference } from './docker-tag.js';

// build@docker: the Image Build step. Unpacks upstream artifacts into the
// repository root, builds the Dockerfile with slipway's engine, pushes, and
// outputs the image reference, its digest and the digest-pinned reference.

/** Read and check every field; used before the run and at the step's start. */
function readSpec(spec: StepSpec, workspace?: string) {
  const repository = text(spec, 'repository') ?? '';
  const image = joinImageReference(repository, text(spec, 'tag') ?? '', spec.locate('tag'));
  const type = text(spec, 'type') ?? (spec.fields.certificate ? 'cert' : 'account');
  if (type !== 'account' && type !== 'cert') {
    throw new InputError('STEP_FIELD', `type: must be account or cert, not "${type}"`, {
      location: spec.locate('type'),
    });
  }
  if (type === 'cert' && !text(spec, 'certificate')) {
    throw new InputError('STEP_FIELD', 'type: cert needs certificate: <credential id>', {
      location: spec.locate('type'),
    });
  }
  const dockerfile = text(spec, 'dockerfile') || './Dockerfile';
  const context = text(spec, 'context') ?? '';
  const root = workspace ?? '/workspace';
  const at = (key: string, path: string) => {
    try {
      return insideRoot(root, path, key);
    } catch (error) {
      throw Object.assign(error as InputError, { location: spec.locate(key) });
    }
  };
  return {
    image,
    type,
    dockerfile: at('dockerfile', dockerfile),
    context: at('context', context || '.'),
    noCache: !useCache(spec),
    buildArgs: buildArgs(spec),
    platforms: platforms(spec),
    artifacts: artifactEntries(spec),
    outputs: outputNames(spec),
    target: text(spec, 'target'),
  };
}

/** A registry's 401 in a pipeline: the fix is the step's credential, not `slipway login`. */
function refused(error: unknown, spec: StepSpec, type: string, host: string) {
  let cause: unknown = error;
  while (cause instanceof Error && !(cause instanceof RegistryError)) cause = cause.cause;
  if (!(cause instanceof RegistryError) || cause.status !== 401) return undefined;
  const id = text(spec, 'certificate');
  const hint =
    type === 'cert'
      ? `check credential "${id}" in the credentials file: its username and password for ${host}`
      : `check the step's username and password for ${host}`;
  return new RegistryError(messageOf(error), 401, cause.registryCodes, {
    cause: error,
    hint,
    location: spec.locate(type === 'cert' ? 'certificate' : 'password'),
  });
}

function account(spec: StepSpec, context: StepContext, type: string): BasicCredential | undefined {
  if (type === 'cert') {
    const id = text(spec, 'certificate') ?? '';
    const credential = context.credential(id);
    if (credential.kind !== 'account' && credential.kind !== 'password') {
      throw new InputError(
        'STEP_FIELD',
        `certificate ${id} is a ${credential.kind}, not a registry account`,
        {
          location: spec.locate('certificate'),
        },
      );
    }
    return { username: credential.username, password: credential.password };
  }
  const username = text(spec, 'username');
  const password = text(spec, 'password');
  if (password) context.addSecret(password);
  return username ? { username, password: password ?? '' } : undefined;
}

/** Unpack each upstream artifact (a store path or a URL) into the repository root. */
async function pullArtifacts(entries: string[], spec: StepSpec, context: StepContext) {
  for (const [index, entry] of entries.entries()) {
    let file = entry;
    if (/^https?:\/\//.test(entry)) {
      file = join(context.stepDir, `artifact-${index}.tar.gz`);
      await fetchArtifact(entry, file, context.signal);
    } else if (!existsSync(entry)) {
      file = context.artifact(entry.replace(/^\$\{?|\}$/g, '')).file;
    }
    context.emit({
      kind: 'artifact.unpack',
      message: `unpacking ${entry} into the repository root`,
      level: 'info',
    });
    await unpackArtifact(file, context.workspace).catch((error: Error) => {
      throw new InputError('ARTIFACT_UNPACK', `artifacts: unpacking ${entry}: ${error.message}`, {
        location: spec.locate('artifacts'),
      });
    });
  }
}

/** The build@docker step kind over a build engine (build/index.ts `buildImage`). */
export function dockerBuildStep(buildImage: BuildImage): StepKind {
  return {
    kinds: ['build@docker'],
    keys: DOCKER_KEYS,
    outputs: (spec) => Object.values(outputNames(spec)),
    secretKeys: ['password'],
    needsRoot: () => true,
    validate(spec) {
      // Before the run, fields may still hold `${OUTPUT}` of earlier steps.
      if (!JSON.stringify(spec.fields).includes('${')) readSpec(spec);
    },
    async run(spec, context) {
      const fields = readSpec(spec, context.workspace);
      const credential = account(spec, context, fields.type);
      await pullArtifacts(fields.artifacts, spec, context);
      const host = fields.image.split('/')[0] ?? '';
      const insecure = (context.config.insecureRegistries ?? '').split(',').filter(Boolean);
      if (isLocalHost(host)) insecure.push(host);
      context.emit({ kind: 'docker.build', message: `building ${fields.image}`, level: 'info' });
      const result = await buildImage({
        contextDir: join(context.workspace, fields.context),
        dockerfile: join(context.workspace, fields.dockerfile),
        tags: [fields.image],
        buildArgs: fields.buildArgs,
        target: fields.target,
        noCache: fields.noCache,
        push: true,
        platforms: fields.platforms,
        credentials: { lookup: async (h) => (h === host ? credential : undefined) },
        insecureRegistries: insecure,
        emit: context.emit,
        signal: context.signal,
        redact: (text) => context.mask(text),
        home: context.stateDir,
      }).catch((error: unknown) => {
        throw refused(error, spec, fields.type, host) ?? error;
      });
      const pushed = result.references[0] ?? fields.image;
      const name = pushed.replace(/(:[\w][\w.-]*)?(@.*)?$/, '');
      context.setOutput(fields.outputs.image, pushed);
      context.setOutput(fields.outputs.digest, result.digest);
      context.setOutput(fields.outputs.pinned, `${name}@${result.digest}`);
      context.emit({
        kind: 'docker.pushed',
        message: `pushed ${pushed}@${result.digest}`,
        level: 'info',
      });
    },
  };
}
