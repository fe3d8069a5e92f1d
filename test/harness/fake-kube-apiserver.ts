import { randomUUID } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { apply, managedFields, type Owners, update } from './fake-kube-apply.js';
import {
  discovery,
  RESOURCES,
  type Resource,
  resourceFor,
  rollOut,
  send,
  status,
} from './fake-kube-resources.js';

// An in-process Kubernetes API server for tests of deploy@k8s: discovery,
// namespaces, create/get/list/PUT, server-side apply with field managers and
// conflicts, pod logs, bearer-token auth, HTTP or HTTPS on 127.0.0.1. No
// controllers run: tests drive status and pods, or ask for `autoRollout`.

// biome-ignore lint/suspicious/noExplicitAny: JSON objects of any shape, read deep
type Obj = Record<string, any>;

interface Stored {
  object: Obj;
  owners: Owners;
}

/** What a test can see and steer. */
export interface FakeKubeApiServer {
  url: string;
  /** Every request as `METHOD /path?query [content-type]`. */
  requests: string[];
  get(apiVersion: string, kind: string, namespace: string, name: string): Obj | undefined;
  /** Change an object in place (status, pods' container states), as a controller would. */
  mutate(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    edit: (o: Obj) => void,
  ): void;
  /** Add or replace a pod. */
  putPod(namespace: string, pod: Obj): void;
  /** Log text of a container, current or previous run. */
  setLog(namespace: string, pod: string, container: string, text: string, previous?: boolean): void;
  close(): Promise<void>;
}

/** Options: TLS key/cert for HTTPS, the accepted token, and rollout simulation. */
export interface FakeKubeOptions {
  tls?: { key: string; cert: string };
  token?: string;
  /** Mark workloads rolled out as soon as they are written. */
  autoRollout?: boolean;
}

/** Start the fake server on a free port. */
export async function startFakeKubeApiServer(
  options: FakeKubeOptions = {},
): Promise<FakeKubeApiServer> {
  const objects = new Map<string, Stored>();
  const logs = new Map<string, string>();
  const requests: string[] = [];
  let version = 1000;
  const keyOf = (r: Resource, ns: string, name: string) =>
    `${r.apiVersion}/${r.name}/${ns}/${name}`;
  const put = (r: Resource, ns: string, object: Obj, owners: Owners) => {
    objects.set(keyOf(r, ns, object.metadata.name), { object, owners });
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const type = req.headers['content-type'] ?? '';
      requests.push(`${req.method} ${req.url}${type ? ` [${type}]` : ''}`);
      try {
        if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
          return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
        }
        const [code, body] = route(
          req.method ?? 'GET',
          new URL(req.url ?? '/', 'http://x'),
          type,
          Buffer.concat(chunks).toString(),
        );
        send(res, code, body);
      } catch (error) {
        send(res, 500, status(500, 'InternalError', String(error)));
      }
    });
  };

  function route(method: string, url: URL, type: string, body: string): [number, unknown] {
    const parts = url.pathname.split('/').filter(Boolean);
    const apiVersion = parts[0] === 'api' ? parts[1] : `${parts[1]}/${parts[2]}`;
    const rest = parts.slice(parts[0] === 'api' ? 2 : 3);
    if (rest.length === 0 && method === 'GET') {
      const resources = RESOURCES.filter((r) => r.apiVersion === apiVersion);
      if (resources.length === 0)
        return [404, status(404, 'NotFound', 'the server could not find the requested resource')];
      return [
        200,
        {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: apiVersion,
          resources: resources.map(discovery),
        },
      ];
    }
    let ns = '';
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1]!;
      rest.splice(0, 2);
    }
    const resource = RESOURCES.find((r) => r.apiVersion === apiVersion && r.name === rest[0]);
    if (!resource)
      return [404, status(404, 'NotFound', 'the server could not find the requested resource')];
    const [, name, sub] = rest;
    if (resource.namespaced && ns && !objects.has(`v1/namespaces//${ns}`) && method !== 'GET') {
      return [
        404,
        status(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }),
      ];
    }
    const stored = name ? objects.get(keyOf(resource, ns, name)) : undefined;
    const notFound = () =>
      status(
        404,
        'NotFound',
        `${resource.name}.${resource.group || 'core'} "${name}" not found`.replace('.core', ''),
        { name, kind: resource.name },
      );
    if (sub === 'log' && method === 'GET') {
      if (!stored) return [404, notFound()];
      const previous = url.searchParams.get('previous') === 'true';
      const text =
        logs.get(`${ns}/${name}/${url.searchParams.get('container') ?? ''}/${previous}`) ?? '';
      const tail = Number(url.searchParams.get('tailLines') ?? 0);
      const lines = text.split('\n').filter((l) => l !== '');
      return [200, `${(tail > 0 ? lines.slice(-tail) : lines).join('\n')}\n`];
    }
    if (!name) {
      if (method === 'GET') return [200, list(resource, ns, url.searchParams.get('labelSelector'))];
      if (method !== 'POST') return [405, status(405, 'MethodNotAllowed', 'method not allowed')];
      const object = parse(body) as Obj;
      if (objects.has(keyOf(resource, ns, object.metadata?.name))) {
        return [
          409,
          status(
            409,
            'AlreadyExists',
            `${resource.name} "${object.metadata.name}" already exists`,
            { name: object.metadata.name, kind: resource.name },
          ),
        ];
      }
      return write(resource, ns, undefined, object, url, 'Update');
    }
    if (method === 'GET') return stored ? [200, stored.object] : [404, notFound()];
    if (method === 'PUT') {
      if (!stored) return [404, notFound()];
      const object = parse(body) as Obj;
      const expected = object.metadata?.resourceVersion;
      if (expected && expected !== stored.object.metadata.resourceVersion) {
        return [
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${resource.name} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          ),
        ];
      }
      return write(resource, ns, stored, object, url, 'Update');
    }
    if (method === 'PATCH') {
      if (type !== 'application/apply-patch+yaml') {
        return [
          415,
          status(
            415,
            'UnsupportedMediaType',
            `the fake serves only server-side apply, not ${type}`,
          ),
        ];
      }
      if (!url.searchParams.get('fieldManager')) {
        return [
          400,
          status(
            400,
            'BadRequest',
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
          ),
        ];
      }
      return write(resource, ns, stored, parse(body) as Obj, url, 'Apply');
    }
    return [405, status(405, 'MethodNotAllowed', 'method not allowed')];
  }

  function write(
    r: Resource,
    ns: string,
    stored: Stored | undefined,
    input: Obj,
    url: URL,
    op: 'Apply' | 'Update',
  ): [number, unknown] {
    const manager = url.searchParams.get('fieldManager') ?? 'unknown';
    const owners: Owners = stored ? stored.owners : new Map();
    const previous = stored?.object;
    let object: Obj;
    if (op === 'Apply') {
      const result = apply(
        previous,
        owners,
        input,
        manager,
        url.searchParams.get('force') === 'true',
      );
      if (result.conflicts.length > 0) {
        const causes = result.conflicts.map((c) => ({
          type: 'FieldManagerConflict',
          message: `conflict with "${c.manager}"`,
          field: c.path,
        }));
        const list = result.conflicts
          .map((c) => `conflict with "${c.manager}": ${c.path}`)
          .join('\n- ');
        const n = result.conflicts.length;
        return [
          409,
          status(409, 'Conflict', `Apply failed with ${n} conflict${n > 1 ? 's' : ''}: ${list}`, {
            causes,
          }),
        ];
      }
      object = result.object;
    } else {
      update(previous, owners, input, manager);
      object = structuredClone(input);
    }
    const now = new Date().toISOString();
    const metadata = (object.metadata ??= {});
    metadata.name = input.metadata?.name ?? previous?.metadata?.name;
    if (r.namespaced) metadata.namespace = ns;
    metadata.uid = previous?.metadata.uid ?? randomUUID();
    metadata.creationTimestamp = previous?.metadata.creationTimestamp ?? now;
    metadata.resourceVersion = String(++version);
    const changed = !previous || !isDeepStrictEqual(previous.spec, object.spec);
    metadata.generation = (previous?.metadata.generation ?? 0) + (changed ? 1 : 0);
    metadata.managedFields = managedFields(owners, r.apiVersion, now);
    object.status = previous?.status ?? (r.kind === 'Namespace' ? { phase: 'Active' } : {});
    if (options.autoRollout && changed) rollOut(object);
    put(r, ns, object, owners);
    return [stored ? 200 : 201, object];
  }

  function list(r: Resource, ns: string, selector: string | null) {
    const wanted = (selector ?? '')
      .split(',')
      .filter(Boolean)
      .map((s) => s.split('='));
    const items = [...objects.values()]
      .map((s) => s.object)
      .filter((o) => o.kind === r.kind && (!r.namespaced || !ns || o.metadata.namespace === ns))
      .filter((o) => wanted.every(([k, v]) => o.metadata.labels?.[k!] === v));
    return {
      kind: `${r.kind}List`,
      apiVersion: r.apiVersion,
      metadata: { resourceVersion: String(version) },
      items,
    };
  }

  const server = options.tls ? createHttps(options.tls, handler) : createHttp(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const find = (apiVersion: string, kind: string, ns: string, name: string) => {
    const r = resourceFor(apiVersion, kind);
    return objects.get(keyOf(r, r.namespaced ? ns : '', name));
  };
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    get: (apiVersion, kind, ns, name) => find(apiVersion, kind, ns, name)?.object,
    mutate(apiVersion, kind, ns, name, edit) {
      const found = find(apiVersion, kind, ns, name);
      if (!found) throw new Error(`no ${kind} ${ns}/${name}`);
      edit(found.object);
      found.object.metadata.resourceVersion = String(++version);
    },
    putPod(ns, pod) {
      const r = resourceFor('v1', 'Pod');
      pod.metadata.namespace = ns;
      put(r, ns, { apiVersion: 'v1', kind: 'Pod', ...pod }, new Map());
    },
    setLog: (ns, pod, container, text, previous = false) =>
      logs.set(`${ns}/${pod}/${container}/${previous}`, text),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
