import type { ServerResponse } from 'node:http';

// The API resources the fake Kubernetes API server serves, and the shapes
// of its answers: discovery entries, Status errors, workload status.

// biome-ignore lint/suspicious/noExplicitAny: JSON objects of any shape, read deep
type Obj = Record<string, any>;

/** One resource type, as discovery lists it. */
export interface Resource {
  apiVersion: string;
  group: string;
  name: string;
  kind: string;
  namespaced: boolean;
}

const core = (name: string, kind: string, namespaced = true): Resource => ({
  apiVersion: 'v1',
  group: '',
  name,
  kind,
  namespaced,
});
const apps = (name: string, kind: string): Resource => ({
  apiVersion: 'apps/v1',
  group: 'apps',
  name,
  kind,
  namespaced: true,
});

/** Core v1 and apps/v1, the parts deploy@k8s touches. */
export const RESOURCES: Resource[] = [
  core('namespaces', 'Namespace', false),
  core('pods', 'Pod'),
  core('services', 'Service'),
  core('configmaps', 'ConfigMap'),
  core('secrets', 'Secret'),
  core('serviceaccounts', 'ServiceAccount'),
  apps('deployments', 'Deployment'),
  apps('statefulsets', 'StatefulSet'),
  apps('daemonsets', 'DaemonSet'),
  apps('replicasets', 'ReplicaSet'),
];

/** The resource of a kind; throws for kinds the fake does not serve. */
export function resourceFor(apiVersion: string, kind: string): Resource {
  const found = RESOURCES.find((r) => r.apiVersion === apiVersion && r.kind === kind);
  if (!found) throw new Error(`the fake does not serve ${apiVersion} ${kind}`);
  return found;
}

/** What a controller would report once every replica is updated and available. */
export function rollOut(object: Obj) {
  const replicas = object.spec?.replicas ?? 1;
  const generation = object.metadata.generation;
  if (object.kind === 'Deployment') {
    object.status = {
      observedGeneration: generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    };
  } else if (object.kind === 'StatefulSet') {
    object.status = {
      observedGeneration: generation,
      replicas,
      readyReplicas: replicas,
      updatedReplicas: replicas,
      currentRevision: `r${generation}`,
      updateRevision: `r${generation}`,
    };
  } else if (object.kind === 'DaemonSet') {
    object.status = {
      observedGeneration: generation,
      desiredNumberScheduled: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
      numberReady: 2,
    };
  }
}

export function discovery(r: Resource) {
  return {
    name: r.name,
    singularName: r.kind.toLowerCase(),
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: ['create', 'get', 'list', 'patch', 'update'],
  };
}

export function status(code: number, reason: string, message: string, details?: Obj) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  };
}

export function send(res: ServerResponse, code: number, body: unknown) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
  });
  res.end(text);
}
