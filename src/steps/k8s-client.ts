import { STATUS_CODES } from 'node:http';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { InputError, SlipwayError, type SlipwayErrorOptions } from '../errors/index.js';
import type { KubeObject } from './k8s-manifests.js';

// The few calls deploy@k8s makes through @kubernetes/client-node, with the
// API's Status errors turned into messages that say what failed and why.

/** A client for one cluster. */
export interface KubeClient {
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  server: string;
}

/** The field manager slipway applies as. */
export const FIELD_MANAGER = 'slipway';

/** A failed API call: the HTTP status and the API's reason (NotFound, Conflict…). */
export class KubeApiError extends SlipwayError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly reason: string | undefined,
    options: SlipwayErrorOptions = {},
  ) {
    super('KUBERNETES', message, options);
  }
}

/** A client from kubeconfig text; `skipTlsVerify` trusts any server certificate. */
export function makeKubeClient(kubeconfig: string, skipTlsVerify: boolean): KubeClient {
  const config = new KubeConfig();
  try {
    config.loadFromString(kubeconfig);
  } catch (error) {
    throw new InputError(
      'KUBECONFIG',
      `the kubeconfig credential does not parse: ${message(error)}`,
    );
  }
  const cluster = config.getCurrentCluster();
  if (!cluster)
    throw new InputError('KUBECONFIG', 'the kubeconfig credential names no current cluster');
  if (skipTlsVerify) {
    config.loadFromOptions({
      clusters: config.clusters.map((c) => ({ ...c, skipTLSVerify: true })),
      users: config.users,
      contexts: config.contexts,
      currentContext: config.currentContext,
    });
  }
  return {
    objects: KubernetesObjectApi.makeApiClient(config),
    core: config.makeApiClient(CoreV1Api),
    server: cluster.server,
  };
}

/** Create the namespace unless it exists; true if it was created. */
export async function ensureNamespace(client: KubeClient, name: string): Promise<boolean> {
  try {
    await client.core.readNamespace({ name });
    return false;
  } catch (error) {
    if (statusOf(error) !== 404) throw kubeError(client, `reading namespace ${name}`, error);
  }
  try {
    await client.core.createNamespace({ body: { metadata: { name } } });
    return true;
  } catch (error) {
    if (statusOf(error) === 409) return false;
    throw kubeError(client, `creating namespace ${name}`, error);
  }
}

/** Whether a kind is namespaced, or undefined if the server does not serve it. */
export async function isNamespaced(client: KubeClient, object: KubeObject) {
  try {
    // resource() is discovery with a cache; protected in the typings only.
    const discovery = client.objects as unknown as Discovery;
    const resource = await discovery.resource(object.apiVersion, object.kind);
    return resource?.namespaced;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw kubeError(client, `looking up ${object.apiVersion} ${object.kind}`, error);
  }
}

interface Discovery {
  resource(apiVersion: string, kind: string): Promise<{ namespaced: boolean } | undefined>;
}

/** Server-side apply as `slipway`; `force` takes over fields other managers own. */
export async function applyObject(client: KubeClient, object: KubeObject, force: boolean) {
  return client.objects.patch(
    object,
    undefined,
    undefined,
    FIELD_MANAGER,
    force,
    PatchStrategy.ServerSideApply,
  ) as Promise<KubeObject>;
}

/** Replace the whole object (PUT), or create it if it does not exist. */
export async function replaceObject(client: KubeClient, object: KubeObject) {
  try {
    const current = await client.objects.read(object);
    const body = structuredClone(object);
    body.metadata.resourceVersion = current.metadata?.resourceVersion;
    return (await client.objects.replace(body, undefined, undefined, FIELD_MANAGER)) as KubeObject;
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    return (await client.objects.create(object, undefined, undefined, FIELD_MANAGER)) as KubeObject;
  }
}

/** The HTTP status of a client error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? (error.code as number) : undefined;
}

/** The API's Status object from a client error. */
export function apiStatus(error: unknown): { reason?: string; message?: string } | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const body = error.body as unknown;
  try {
    const parsed = typeof body === 'string' ? JSON.parse(body) : body;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return { message: String(body) };
  }
}

/** An error saying what was being done, what the server said, and what to try. */
export function kubeError(
  client: KubeClient,
  action: string,
  error: unknown,
  extra: SlipwayErrorOptions = {},
): KubeApiError {
  const code = statusOf(error);
  if (code === undefined) {
    const reason = message(error);
    const tls = /certificate|self.signed|SSL|TLS/i.test(reason);
    return new KubeApiError(
      `${action}: cannot reach ${client.server}: ${reason}`,
      undefined,
      undefined,
      {
        cause: error,
        hint: tls ? 'give the kubeconfig the cluster CA, or set skipTlsVerify: true' : undefined,
        ...extra,
      },
    );
  }
  const status = apiStatus(error);
  const reason = status?.reason ?? STATUS_CODES[code]?.replace(/ /g, '') ?? '';
  const said = status?.message ? `: ${status.message}` : '';
  const hint =
    code === 401 || code === 403
      ? 'check the user and token of the kubeconfig credential and its RBAC rights'
      : undefined;
  return new KubeApiError(`${action}: ${code} ${reason}${said}`, code, status?.reason, {
    cause: error,
    hint: extra.hint ?? hint,
    location: extra.location,
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
