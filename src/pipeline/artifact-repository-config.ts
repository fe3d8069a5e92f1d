import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { InputError } from '../errors/index.js';
import type { ArtifactRepository } from './artifact-repository.js';
import { directoryRepository } from './artifact-repository-dir.js';

// Which artifact repositories exist, from `artifact-repositories.yml`:
//   repositories:
//     default: {kind: directory, path: /srv/artifacts}   # path is optional
//     shared:  {kind: oci, reference: registry.example.com/team/artifacts}
//     lab:     {kind: oci, reference: 10.0.0.9:5000/artifacts, insecure: true}
//     vault:   {kind: oci, reference: registry.example.com/vault, credential: registry-ci}
// `credential` names an account in the run's --credentials file.
// Without a file, `default` and `release` are folders under the state dir.

/** One configured repository. */
export type RepositoryConfig =
  | { name: string; kind: 'directory'; path: string }
  | { name: string; kind: 'oci'; reference: string; insecure?: boolean; credential?: string };

/** Opens an OCI-registry repository; given by a module that may use the registry. */
export type OciRepositoryOpener = (
  config: Extract<RepositoryConfig, { kind: 'oci' }>,
) => ArtifactRepository;

const BUILT_IN = ['default', 'release'];

/** The config file's default place. */
export function artifactConfigPath(stateDir: string): string {
  return join(stateDir, 'artifact-repositories.yml');
}

/** Read the repositories from `file`; a missing file means only the built-in ones. */
export async function loadRepositoryConfigs(
  file: string,
  stateDir: string,
): Promise<Map<string, RepositoryConfig>> {
  const configs = new Map<string, RepositoryConfig>();
  for (const name of BUILT_IN) configs.set(name, builtIn(name, stateDir));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return configs;
    throw error;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const fail = (message: string, offset = 0) =>
    new InputError('ARTIFACT_CONFIG', message, {
      location: { file, line: lines.linePos(offset).line },
    });
  if (doc.errors.length > 0) throw fail(doc.errors[0]!.message, doc.errors[0]!.pos[0]);
  const repositories = doc.get('repositories');
  if (repositories === undefined) return configs;
  if (!isMap(repositories)) throw fail('repositories must be a map of name to settings');
  for (const pair of repositories.items) {
    const name = String((pair.key as { value?: unknown }).value ?? pair.key);
    const offset = (pair.key as { range?: [number] }).range?.[0] ?? 0;
    const settings = (pair.value as { toJSON?: () => unknown })?.toJSON?.() ?? {};
    configs.set(
      name,
      parseEntry(name, settings as Record<string, unknown>, stateDir, (m) =>
        fail(`repository ${name}: ${m}`, offset),
      ),
    );
  }
  return configs;
}

function builtIn(name: string, stateDir: string): RepositoryConfig {
  return { name, kind: 'directory', path: join(stateDir, 'artifacts', name) };
}

function parseEntry(
  name: string,
  settings: Record<string, unknown>,
  stateDir: string,
  fail: (message: string) => InputError,
): RepositoryConfig {
  const kind = settings.kind ?? 'directory';
  if (kind === 'directory') {
    const path = settings.path ?? join(stateDir, 'artifacts', name);
    if (typeof path !== 'string') throw fail('path must be a string');
    return { name, kind, path };
  }
  if (kind === 'oci') {
    if (typeof settings.reference !== 'string' || settings.reference === '') {
      throw fail('an oci repository needs reference: HOST/REPOSITORY');
    }
    if (settings.insecure !== undefined && typeof settings.insecure !== 'boolean') {
      throw fail('insecure must be true or false');
    }
    const { insecure, credential } = settings;
    if (credential !== undefined && (typeof credential !== 'string' || credential === '')) {
      throw fail('credential must be the id of an account in the credentials file');
    }
    return {
      name,
      kind,
      reference: settings.reference,
      ...(insecure === undefined ? {} : { insecure }),
      ...(credential === undefined ? {} : { credential }),
    };
  }
  throw fail(`kind must be directory or oci, not ${JSON.stringify(kind)}`);
}

/** Open repository `name` from the configs, with `openOci` for registry-backed ones. */
export function openRepository(
  configs: ReadonlyMap<string, RepositoryConfig>,
  name: string,
  openOci?: OciRepositoryOpener,
): ArtifactRepository {
  const config = configs.get(name);
  if (!config) {
    const known = [...configs.keys()].join(', ');
    throw new InputError('ARTIFACT_REPOSITORY', `artifact repository "${name}" is not configured`, {
      hint: `configured: ${known}; add it under repositories: in artifact-repositories.yml`,
    });
  }
  if (config.kind === 'directory') return directoryRepository(name, config.path);
  if (!openOci)
    throw new InputError('ARTIFACT_REPOSITORY', `${name}: oci repositories need a registry`);
  return openOci(config);
}
