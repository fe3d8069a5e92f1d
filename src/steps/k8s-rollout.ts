import { setTimeout as sleep } from 'node:timers/promises';
import { StepFailedError } from '../errors/index.js';
import type { Emit } from '../log/index.js';
import { type KubeClient, kubeError } from './k8s-client.js';
import type { KubeObject } from './k8s-manifests.js';
import { podProblems } from './k8s-pods.js';

// Waiting for Deployments, StatefulSets and DaemonSets to roll out, with the
// checks `kubectl rollout status` makes. Pods that cannot pull their image or
// keep crashing fail the wait at once; anything else fails it at the timeout,
// with what the pods say (unschedulable, still pulling…).

/** How long to wait and how often to look. */
export interface RolloutOptions {
  timeoutMs: number;
  pollMs: number;
  signal: AbortSignal;
  emit: Emit;
}

/** Where a workload stands: done, or a sentence saying what it waits for. */
export interface RolloutState {
  done: boolean;
  message: string;
  failed?: boolean;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** Whether deploy@k8s waits for this object. */
export function isWorkload(object: KubeObject): boolean {
  return object.apiVersion === 'apps/v1' && WORKLOADS.has(object.kind);
}

/** Wait for every workload among `objects` (as applied) to finish rolling out. */
export async function waitForRollouts(
  client: KubeClient,
  objects: readonly KubeObject[],
  options: RolloutOptions,
): Promise<void> {
  await Promise.all(objects.filter(isWorkload).map((o) => waitForOne(client, o, options)));
}

async function waitForOne(client: KubeClient, applied: KubeObject, options: RolloutOptions) {
  const { name, namespace = 'default' } = applied.metadata;
  const label = `${applied.kind} ${namespace}/${name}`;
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    let current: KubeObject;
    try {
      current = (await client.objects.read(applied)) as KubeObject;
    } catch (error) {
      throw kubeError(client, `reading ${label}`, error);
    }
    const state = rolloutState(current);
    if (state.done) {
      options.emit({ kind: 'k8s.rollout', message: `${label}: ${state.message}` });
      return;
    }
    if (state.message !== last) {
      options.emit({ kind: 'k8s.rollout', message: `${label}: ${state.message}` });
      last = state.message;
    }
    const problems = await podProblems(client, current);
    if (state.failed || problems.fatal.length > 0) {
      throw rolloutFailed(`${label} failed to roll out: ${state.message}`, problems.fatal);
    }
    if (Date.now() >= deadline) {
      const seconds = Math.round(options.timeoutMs / 1000);
      throw rolloutFailed(
        `${label} did not roll out within ${seconds}s: ${state.message}`,
        problems.pending,
      );
    }
    await sleep(options.pollMs, undefined, { signal: options.signal });
  }
}

function rolloutFailed(message: string, reasons: string[]): StepFailedError {
  const why = reasons.length > 0 ? `\n${reasons.map((r) => `  ${r}`).join('\n')}` : '';
  return new StepFailedError(`${message}${why}`);
}

type Status = Record<string, number | string | undefined> & {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
};

/** kubectl's rollout status rules for the three workload kinds. */
export function rolloutState(object: KubeObject): RolloutState {
  const spec = (object.spec ?? {}) as { replicas?: number };
  const status = (object.status ?? {}) as Status;
  const generation = (object.metadata as { generation?: number }).generation ?? 0;
  const observed = Number(status.observedGeneration ?? 0);
  if (observed < generation)
    return { done: false, message: 'waiting for the controller to see the update' };
  const n = (key: string) => Number(status[key] ?? 0);
  if (object.kind === 'Deployment') {
    const deadline = status.conditions?.find(
      (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (deadline)
      return {
        done: false,
        failed: true,
        message: deadline.message ?? 'progress deadline exceeded',
      };
    const want = spec.replicas ?? 1;
    if (n('updatedReplicas') < want)
      return waiting(`${n('updatedReplicas')} of ${want} updated replicas`);
    if (n('replicas') > n('updatedReplicas')) {
      return waiting(
        `${n('replicas') - n('updatedReplicas')} old replicas are pending termination`,
      );
    }
    if (n('availableReplicas') < n('updatedReplicas')) {
      return waiting(
        `${n('availableReplicas')} of ${n('updatedReplicas')} updated replicas are available`,
      );
    }
    return { done: true, message: `rolled out (${want} replicas)` };
  }
  if (object.kind === 'StatefulSet') {
    const want = spec.replicas ?? 1;
    if (n('readyReplicas') < want)
      return waiting(`${n('readyReplicas')} of ${want} pods are ready`);
    if (status.updateRevision !== status.currentRevision) {
      return waiting(`${n('updatedReplicas')} of ${want} pods are at the new revision`);
    }
    return { done: true, message: `rolled out (${want} pods)` };
  }
  const want = n('desiredNumberScheduled');
  if (n('updatedNumberScheduled') < want) {
    return waiting(`${n('updatedNumberScheduled')} of ${want} updated pods are scheduled`);
  }
  if (n('numberAvailable') < want)
    return waiting(`${n('numberAvailable')} of ${want} updated pods are available`);
  return { done: true, message: `rolled out (${want} pods)` };
}

function waiting(message: string): RolloutState {
  return { done: false, message: `waiting: ${message}` };
}
