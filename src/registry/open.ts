import type { Reference } from '../image/reference.js';
import type { ImageSource } from '../image/transport.js';
import { type ClientOptions, ConnectionPool, RegistryClient } from './client.js';
import { MirroredSource } from './mirrors.js';
import { defaultSettings, hostSettings } from './settings.js';

/** A client for the repository `ref` names, for pushing (no mirrors). */
export function openRepository(
  ref: Pick<Reference, 'registry' | 'repository'>,
  options: ClientOptions = {},
): RegistryClient {
  return new RegistryClient(ref, options);
}

/**
 * A source for pulling `ref`: its registry's mirrors (from settings) in order,
 * then the registry itself. Without mirrors, the plain client.
 */
export function openPullSource(
  ref: Pick<Reference, 'registry' | 'repository'>,
  options: ClientOptions = {},
): ImageSource & { origin: RegistryClient } {
  const pool = options.pool ?? new ConnectionPool(options);
  const origin = new RegistryClient(ref, { ...options, pool });
  const settings = hostSettings(options.settings ?? defaultSettings(), ref.registry);
  const mirrors = (settings.mirrors ?? []).map((mirror) => {
    const slash = mirror.indexOf('/');
    const host = slash < 0 ? mirror : mirror.slice(0, slash);
    const prefix = slash < 0 ? '' : `${mirror.slice(slash + 1).replace(/\/$/, '')}/`;
    return new RegistryClient(
      { registry: host, repository: `${prefix}${ref.repository}` },
      { ...options, pool, overrides: undefined },
    );
  });
  if (mirrors.length === 0) return Object.assign(origin, { origin });
  return Object.assign(new MirroredSource(origin, mirrors, options.emit), { origin });
}
