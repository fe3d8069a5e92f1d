// Credentials by registry host, from wherever the user keeps them.

/** A username and password (or an access token used as one). */
export interface PasswordCredential {
  username: string;
  password: string;
}

/** An OAuth2 refresh token a registry issued (`identitytoken` in config.json). */
export interface IdentityTokenCredential {
  identityToken: string;
}

/** What a registry may be given to log in. */
export type Credential = PasswordCredential | IdentityTokenCredential;

/** Finds the credential for a registry host (`docker.io`, `127.0.0.1:5000`). */
export interface CredentialSource {
  lookup(host: string): Promise<Credential | undefined>;
}

/** No credentials for any host: anonymous access. */
export const anonymous: CredentialSource = { lookup: async () => undefined };

/** Credentials from a fixed map of host to credential (flags, pipeline credentials). */
export function staticCredentials(map: Record<string, Credential>): CredentialSource {
  const byHost = new Map(Object.entries(map).map(([host, c]) => [normalizeHost(host), c]));
  return { lookup: async (host) => byHost.get(normalizeHost(host)) };
}

/** The first source that knows the host wins. */
export function chainCredentials(...sources: CredentialSource[]): CredentialSource {
  return {
    async lookup(host) {
      for (const source of sources) {
        const found = await source.lookup(host);
        if (found) return found;
      }
      return undefined;
    },
  };
}

const DOCKER_HUB_ALIASES = ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'];

/**
 * A host as written in config.json keys, flags or settings, reduced to
 * `host[:port]`: `https://index.docker.io/v1/` is `docker.io`.
 */
export function normalizeHost(text: string): string {
  const host = text
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB_ALIASES.includes(host) ? 'docker.io' : host;
}

/** Whether a credential is a username and password. */
export function isPassword(credential: Credential): credential is PasswordCredential {
  return 'username' in credential;
}
