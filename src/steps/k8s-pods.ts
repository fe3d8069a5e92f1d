import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from './k8s-client.js';
import type { KubeObject } from './k8s-manifests.js';

// Why a workload's pods are not ready, in words: an image that cannot be
// pulled (with the image), a container that keeps crashing (with its last
// log lines), a pod no node can take.

/** Reasons that will not fix themselves, and reasons that might. */
export interface PodProblems {
  fatal: string[];
  pending: string[];
}

const PULL_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName']);
const LOG_LINES = 10;

/** Look at the pods selected by a workload's `spec.selector.matchLabels`. */
export async function podProblems(client: KubeClient, workload: KubeObject): Promise<PodProblems> {
  const problems: PodProblems = { fatal: [], pending: [] };
  const spec = workload.spec as { selector?: { matchLabels?: Record<string, string> } };
  const labels = Object.entries(spec?.selector?.matchLabels ?? {});
  if (labels.length === 0) return problems;
  const namespace = workload.metadata.namespace ?? 'default';
  const labelSelector = labels.map(([k, v]) => `${k}=${v}`).join(',');
  let pods: V1Pod[];
  try {
    pods = (await client.core.listNamespacedPod({ namespace, labelSelector })).items;
  } catch {
    return problems; // Diagnosis is a courtesy; the rollout state decides.
  }
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '?';
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const container of statuses) {
      const found = await containerProblem(client, namespace, name, container);
      if (found) problems.fatal.push(found);
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      problems.pending.push(
        `pod ${name} cannot be scheduled: ${scheduled.message ?? 'no node fits'}`,
      );
    }
    for (const container of statuses) {
      const reason = container.state?.waiting?.reason;
      if (reason && !PULL_FAILURES.has(reason) && reason !== 'CrashLoopBackOff') {
        problems.pending.push(`pod ${name}: container ${container.name} is waiting (${reason})`);
      }
    }
  }
  return problems;
}

async function containerProblem(
  client: KubeClient,
  namespace: string,
  pod: string,
  container: V1ContainerStatus,
): Promise<string | undefined> {
  const waiting = container.state?.waiting;
  if (!waiting?.reason) return undefined;
  const where = `pod ${pod}: container ${container.name}`;
  if (PULL_FAILURES.has(waiting.reason)) {
    const detail = waiting.message ? `: ${waiting.message}` : '';
    return `${where} cannot pull image ${container.image} (${waiting.reason})${detail}`;
  }
  if (waiting.reason !== 'CrashLoopBackOff') return undefined;
  const exit = container.lastState?.terminated?.exitCode;
  const code = exit === undefined ? '' : `, last exit code ${exit}`;
  const logs = await lastLogLines(client, namespace, pod, container.name);
  return `${where} keeps crashing (CrashLoopBackOff${code}); last log lines:\n${logs}`;
}

async function lastLogLines(
  client: KubeClient,
  namespace: string,
  name: string,
  container: string,
) {
  for (const previous of [true, false]) {
    try {
      const text = await client.core.readNamespacedPodLog({
        name,
        namespace,
        container,
        tailLines: LOG_LINES,
        previous,
      });
      const lines = String(text).trimEnd();
      if (lines !== '')
        return lines
          .split('\n')
          .map((l) => `    | ${l}`)
          .join('\n');
    } catch {
      // The previous run's log may be gone; try the current one.
    }
  }
  return '    (no log output)';
}
