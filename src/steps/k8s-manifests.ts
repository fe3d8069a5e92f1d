import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { InputError } from '../errors/index.js';
import { isWithin } from '../util/fs.js';
import { replaceParameters } from './k8s-template.js';

// Reading deploy@k8s's `yaml`: one file or every .yaml/.yml/.json file of a
// folder (in name order), parameters replaced, split into objects that each
// remember the file and line they came from.

/** A Kubernetes object with its source. */
export interface Manifest {
  object: KubeObject;
  file: string;
  line: number;
}

/** The fields of a Kubernetes object every manifest must have. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Load the manifests at `path` (relative to the workspace). */
export async function loadManifests(
  workspace: string,
  path: string,
  params: ReadonlyMap<string, string>,
): Promise<Manifest[]> {
  const full = resolve(workspace, path);
  if (!isWithin(workspace, full)) {
    throw new InputError('MANIFEST_PATH', `yaml: ${path} is outside the repository`);
  }
  const info = await stat(full).catch(() => undefined);
  if (!info)
    throw new InputError('MANIFEST_PATH', `yaml: ${path} does not exist in the repository`);
  const files = info.isDirectory()
    ? (await readdir(full))
        .filter((name) => /\.(ya?ml|json)$/.test(name))
        .sort()
        .map((name) => join(full, name))
    : [full];
  const manifests: Manifest[] = [];
  for (const file of files) {
    const shown = relative(workspace, file);
    const text = replaceParameters(await readFile(file, 'utf8'), params, shown);
    manifests.push(...parseManifests(text, shown));
  }
  if (manifests.length === 0) {
    throw new InputError('MANIFEST_EMPTY', `yaml: ${path} holds no Kubernetes objects`);
  }
  return manifests;
}

/** Split one file's text into objects, checking each has apiVersion, kind and name. */
export function parseManifests(text: string, file: string): Manifest[] {
  const lines = new LineCounter();
  const found: Manifest[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    const start = doc.contents?.range[0] ?? 0;
    const line = lines.linePos(start).line;
    const fail = (message: string) =>
      new InputError('MANIFEST', message, { location: { file, line } });
    if (doc.errors.length > 0) {
      const error = doc.errors[0]!;
      throw new InputError('MANIFEST', error.message, {
        location: { file, line: lines.linePos(error.pos[0]).line },
      });
    }
    const object = doc.toJS() as unknown;
    if (object === null || object === undefined) continue;
    if (typeof object !== 'object' || Array.isArray(object)) throw fail('a manifest must be a map');
    const o = object as Partial<KubeObject>;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      throw fail('a manifest needs apiVersion and kind');
    }
    if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') {
      throw fail(`${o.kind} needs metadata.name`);
    }
    found.push({ object: o as KubeObject, file, line });
  }
  return found;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Pin every container image equal to `image` to `image@digest`; returns the count. */
export function pinImage(object: unknown, image: string, digest: string): number {
  let pinned = 0;
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (CONTAINER_LISTS.has(key) && Array.isArray(child)) {
        for (const container of child as { image?: unknown }[]) {
          if (container?.image === image) {
            container.image = `${image}@${digest}`;
            pinned++;
          }
        }
      }
      walk(child);
    }
  };
  walk(object);
  return pinned;
}
