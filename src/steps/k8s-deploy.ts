import { InputError } from '../errors/index.js';
import type { StepContext, StepKind, StepSpec } from '../pipeline/step.js';
import { boolField, durationField, fieldError, stringField } from './deploy-fields.js';
import {
  applyObject,
  ensureNamespace,
  isNamespaced,
  type KubeClient,
  kubeError,
  makeKubeClient,
  replaceObject,
  statusOf,
} from './k8s-client.js';
import { type KubeObject, loadManifests, type Manifest, pinImage } from './k8s-manifests.js';
import { waitForRollouts } from './k8s-rollout.js';

// `deploy@k8s` (K8S Deployment): apply the repository's manifests with
// parameters replaced, server-side as field manager `slipway` (or replace
// them with `isReplace`), then wait for the workloads to roll out.

const KEYS = [
  'certificate',
  'namespace',
  'yaml',
  'isReplace',
  'skipTlsVerify',
  'timeout',
  'forceConflicts',
  'pinDigest',
  'imageParameter',
  'digestParameter',
] as const;

/** The K8S Deployment step. */
export const k8sDeploy: StepKind = {
  kinds: ['deploy@k8s'],
  keys: KEYS,

  validate(spec) {
    stringField(spec, 'certificate');
    stringField(spec, 'yaml');
    for (const key of ['isReplace', 'skipTlsVerify', 'forceConflicts', 'pinDigest']) {
      boolField(spec, key, false);
    }
    durationField(spec, 'timeout', 300);
  },

  async run(spec, context) {
    k8sDeploy.validate?.(spec);
    const namespace = stringField(spec, 'namespace', 'default');
    const credential = context.credential(stringField(spec, 'certificate'));
    if (credential.kind !== 'kubeconfig') {
      throw fieldError(spec, 'certificate', `credential is a ${credential.kind}, not a kubeconfig`);
    }
    const manifests = await loadManifests(
      context.workspace,
      stringField(spec, 'yaml'),
      context.params,
    );
    if (boolField(spec, 'pinDigest', false)) pinDigests(spec, context, manifests);

    const client = makeKubeClient(credential.kubeconfig, boolField(spec, 'skipTlsVerify', false));
    if (await ensureNamespace(client, namespace)) {
      context.emit({ kind: 'k8s.namespace', message: `created namespace ${namespace}` });
    }
    const replace = boolField(spec, 'isReplace', false);
    const force = boolField(spec, 'forceConflicts', false);
    const applied: KubeObject[] = [];
    for (const manifest of namespacesFirst(manifests)) {
      applied.push(await write(client, manifest, namespace, replace, force));
      const { kind, metadata } = manifest.object;
      const name = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
      const verb = replace ? 'replaced' : 'applied';
      context.emit({ kind: 'k8s.applied', message: `${verb} ${kind} ${name}` });
    }
    await waitForRollouts(client, applied, {
      timeoutMs: durationField(spec, 'timeout', 300) * 1000,
      pollMs: 500,
      signal: context.signal,
      emit: context.emit,
    });
  },
};

async function write(
  client: KubeClient,
  manifest: Manifest,
  namespace: string,
  replace: boolean,
  force: boolean,
): Promise<KubeObject> {
  const { object, file, line } = manifest;
  const location = { file, line };
  const namespaced = await isNamespaced(client, object);
  if (namespaced === undefined) {
    throw new InputError(
      'MANIFEST',
      `the cluster does not serve ${object.apiVersion} ${object.kind}`,
      {
        location,
      },
    );
  }
  if (namespaced) object.metadata.namespace ??= namespace;
  const label = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  try {
    return replace ? await replaceObject(client, object) : await applyObject(client, object, force);
  } catch (error) {
    const conflict = statusOf(error) === 409 && !replace;
    const hint = conflict
      ? 'other field managers own these fields; set forceConflicts: true to take them over'
      : undefined;
    const action = `${replace ? 'replacing' : 'applying'} ${label}`;
    throw kubeError(client, action, error, { location, hint });
  }
}

/** Namespaces before everything else, otherwise in file order. */
function namespacesFirst(manifests: Manifest[]): Manifest[] {
  const isNamespace = (m: Manifest) => m.object.kind === 'Namespace';
  return [...manifests.filter(isNamespace), ...manifests.filter((m) => !isNamespace(m))];
}

function pinDigests(spec: StepSpec, context: StepContext, manifests: Manifest[]): void {
  const imageParameter = stringField(spec, 'imageParameter', 'GITEE_DOCKER_IMAGE');
  const digestParameter = stringField(spec, 'digestParameter', 'GITEE_DOCKER_IMAGE_DIGEST');
  const image = context.params.get(imageParameter);
  const digest = context.params.get(digestParameter);
  if (!image || !digest?.startsWith('sha256:')) {
    throw fieldError(
      spec,
      'pinDigest',
      `needs \${${imageParameter}} and a sha256 digest in \${${digestParameter}}`,
      'run an Image Build step before this one, or set imageParameter/digestParameter',
    );
  }
  const count = manifests.reduce((sum, m) => sum + pinImage(m.object, image, digest), 0);
  context.emit({
    kind: 'k8s.pinned',
    level: count === 0 ? 'warn' : 'info',
    message: `pinned ${count} container image(s) ${image} to ${digest}`,
  });
}
