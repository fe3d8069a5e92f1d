import { InputError } from '../errors/index.js';
import { type Digest, parseDigest } from './digest.js';

// Docker's reference grammar (distribution/reference), with its normalisation:
// `busybox` is `docker.io/library/busybox:latest`.

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
const OFFICIAL_NAMESPACE = 'library';
const MAX_NAME_LENGTH = 255;

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** A parsed, normalised image reference. */
export interface Reference {
  /** Registry host, with port if any: `docker.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Repository path within the registry: `library/busybox`. */
  repository: string;
  tag?: string;
  digest?: Digest;
}

function invalid(text: string, why: string, hint?: string): InputError {
  return new InputError(
    'INVALID_REFERENCE',
    `invalid reference format ${JSON.stringify(text)}: ${why}`,
    {
      hint,
    },
  );
}

/**
 * Parse a reference the way `docker pull` does. A reference without tag or
 * digest gets `latest` unless `defaultTag` is false.
 */
export function parseReference(text: string, options: { defaultTag?: boolean } = {}): Reference {
  let rest = text.trim();
  if (rest === '') throw invalid(text, 'empty reference');

  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    try {
      digest = parseDigest(rest.slice(at + 1));
    } catch (error) {
      throw invalid(text, (error as Error).message);
    }
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      throw invalid(
        text,
        `tag ${JSON.stringify(tag)} must be 1-128 of [A-Za-z0-9_.-], not starting with . or -`,
      );
    }
  }

  const { registry, path } = splitRegistry(rest);
  if (!DOMAIN.test(registry)) throw invalid(text, `bad registry host ${JSON.stringify(registry)}`);
  const repository =
    registry === DEFAULT_REGISTRY && !path.includes('/') ? `${OFFICIAL_NAMESPACE}/${path}` : path;

  if (repository !== repository.toLowerCase()) {
    throw invalid(
      text,
      `repository name ${JSON.stringify(path)} must be lowercase`,
      `use ${JSON.stringify(path.toLowerCase())}; registries only accept lowercase repository names`,
    );
  }
  for (const component of repository.split('/')) {
    if (!COMPONENT.test(component)) {
      throw invalid(
        text,
        `repository path component ${JSON.stringify(component)} must be lowercase letters and digits, separated by ".", "_", "__" or "-"`,
      );
    }
  }
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH) {
    throw invalid(text, `repository name longer than ${MAX_NAME_LENGTH} characters`);
  }

  if (tag === undefined && digest === undefined && options.defaultTag !== false) tag = DEFAULT_TAG;
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** Docker's rule: the first component is a host if it has "." or ":", or is localhost. */
function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isHost =
    slash >= 0 &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase());
  if (!isHost) return { registry: DEFAULT_REGISTRY, path: name };
  const registry = first === LEGACY_DEFAULT_REGISTRY ? DEFAULT_REGISTRY : first;
  return { registry, path: name.slice(slash + 1) };
}

/** `registry/repository` without tag or digest. */
export function repositoryName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The fully qualified form: `docker.io/library/busybox:latest@sha256:…`. */
export function formatReference(ref: Reference): string {
  const tag = ref.tag === undefined ? '' : `:${ref.tag}`;
  const digest = ref.digest === undefined ? '' : `@${ref.digest}`;
  return `${repositoryName(ref)}${tag}${digest}`;
}

/** The short form Docker prints: `busybox:latest`, `127.0.0.1:5000/app:1`. */
export function familiarReference(ref: Reference): string {
  let name = repositoryName(ref);
  if (ref.registry === DEFAULT_REGISTRY) {
    name = ref.repository.startsWith(`${OFFICIAL_NAMESPACE}/`)
      ? ref.repository.slice(OFFICIAL_NAMESPACE.length + 1)
      : ref.repository;
  }
  const tag = ref.tag === undefined ? '' : `:${ref.tag}`;
  const digest = ref.digest === undefined ? '' : `@${ref.digest}`;
  return `${name}${tag}${digest}`;
}

/** What to ask the registry for: the digest if pinned, else the tag. */
export function referenceSelector(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}
