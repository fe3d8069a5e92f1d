import type { Credential, CredentialSource } from './credentials.js';
import { normalizeHost } from './credentials.js';

/**
 * Credentials from an environment given by the caller (the CLI passes its own):
 * `SLIPWAY_AUTH_<HOST>=user:password` for one host, where `<HOST>` is the host
 * upper-cased with every other character as `_` (`SLIPWAY_AUTH_127_0_0_1_5000`);
 * `SLIPWAY_REGISTRY_USER` and `SLIPWAY_REGISTRY_PASSWORD` for every host, or only
 * for `SLIPWAY_REGISTRY_HOST` when that is set.
 */
export function environmentCredentials(env: Record<string, string | undefined>): CredentialSource {
  return {
    async lookup(host) {
      const perHost = env[environmentKey(host)];
      if (perHost) {
        const colon = perHost.indexOf(':');
        if (colon > 0)
          return { username: perHost.slice(0, colon), password: perHost.slice(colon + 1) };
      }
      const user = env.SLIPWAY_REGISTRY_USER;
      const password = env.SLIPWAY_REGISTRY_PASSWORD;
      const only = env.SLIPWAY_REGISTRY_HOST;
      if (!user || password === undefined) return undefined;
      if (only && normalizeHost(only) !== normalizeHost(host)) return undefined;
      return { username: user, password } satisfies Credential;
    },
  };
}

/** The variable that holds credentials for one host. */
export function environmentKey(host: string): string {
  return `SLIPWAY_AUTH_${normalizeHost(host)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '_')}`;
}
