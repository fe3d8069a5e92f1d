import { fileURLToPath } from 'node:url';
import { run } from './proc.js';

/** The locally made image that stands in for each public docker.io repository. */
const STAND_INS: Record<string, { image: string; ref: string }> = {
  alpine: { image: 'busybox', ref: 'latest' },
  busybox: { image: 'busybox', ref: 'latest' },
  debian: { image: 'debian', ref: 'bookworm-slim' },
  ubuntu: { image: 'debian', ref: 'bookworm-slim' },
};

const script = fileURLToPath(new URL('../../../bench/lab/base-images.sh', import.meta.url));

/** Makes the busybox and debian OCI layouts under CACHE/images unless they exist. */
export async function makeBaseImages(cache: string): Promise<void> {
  await run('bash', [script, cache]);
}

/** A docker.io image a FROM line names, split into repository and tag. */
export interface DockerHubImage {
  repository: string;
  tag: string;
  digest?: string;
}

/** Parses a FROM reference; undefined unless it names an image on docker.io. */
export function dockerHubImage(reference: string): DockerHubImage | undefined {
  const [nameTag, digest] = reference.split('@') as [string, string | undefined];
  const slash = nameTag.indexOf('/');
  const first = slash < 0 ? '' : nameTag.slice(0, slash);
  let path = nameTag;
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    if (!['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(first)) return;
    path = nameTag.slice(slash + 1);
  }
  const colon = path.lastIndexOf(':');
  const tag = colon < 0 ? 'latest' : path.slice(colon + 1);
  let repository = colon < 0 ? path : path.slice(0, colon);
  if (!repository.includes('/')) repository = `library/${repository}`;
  return digest ? { repository, tag, digest } : { repository, tag };
}

/** Whether the mirror can serve this docker.io repository (by a stand-in image). */
export function mirrorable(image: DockerHubImage): boolean {
  const [owner, name] = image.repository.split('/');
  return owner === 'library' && name !== undefined && name in STAND_INS;
}

const pushed = new Set<string>();

/** Pushes the stand-in for `image` to REGISTRY under its docker.io name (once per run). */
export async function pushMirrorTag(
  cache: string,
  registry: string,
  image: DockerHubImage,
): Promise<void> {
  const name = image.repository.split('/')[1] ?? '';
  const standIn = STAND_INS[name];
  if (!standIn) throw new Error(`no stand-in image for docker.io/${image.repository}`);
  const target = `${registry}/${image.repository}:${image.tag}`;
  if (pushed.has(target)) return;
  await run('skopeo', [
    'copy',
    '-q',
    '--dest-tls-verify=false',
    `oci:${cache}/images/${standIn.image}:${standIn.ref}`,
    `docker://${target}`,
  ]);
  pushed.add(target);
}
