import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Credential } from '../auth/credentials.js';
import { SlipwayError } from '../errors/index.js';
import { basicAuthorization } from './basic.js';
import { makeRegistryError, registryError } from './errors.js';
import { type Agent, readBody, send, showUrl } from './http.js';

// Bearer tokens from a registry's token server, as Docker Hub, GHCR, Harbor and
// distribution's token auth issue them.

/** Where to ask for tokens: from the registry's Bearer challenge. */
export interface TokenRealm {
  realm: string;
  service?: string;
}

/** A token and when it stops being useful. */
export interface BearerToken {
  token: string;
  /** Milliseconds since the epoch; reuse the token only before this. */
  expiresAt: number;
}

const realmAgents = {
  http: new HttpAgent({ keepAlive: true }),
  https: new HttpsAgent({ keepAlive: true }),
};

/**
 * Ask the token server for a token covering `scopes`:
 * 1. GET realm?service=…&scope=… with Basic credentials (or none: anonymous), or
 * 2. with an identity token, POST the OAuth2 refresh_token grant instead;
 * 3. read `token` (or `access_token`), `expires_in` (default 60 s) and `issued_at`.
 */
export async function fetchToken(
  realm: TokenRealm,
  scopes: readonly string[],
  credential: Credential | undefined,
  registryHost: string,
  agent?: Agent,
): Promise<BearerToken> {
  const url = new URL(realm.realm);
  const via = agent ?? (url.protocol === 'https:' ? realmAgents.https : realmAgents.http);
  const context = `getting a token for ${registryHost} from ${showUrl(url)}`;
  let response: Awaited<ReturnType<typeof send>>;
  if (credential && 'identityToken' in credential) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: credential.identityToken,
      client_id: 'slipway',
      ...(realm.service ? { service: realm.service } : {}),
      scope: scopes.join(' '),
    });
    response = await send({
      method: 'POST',
      url,
      agent: via,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(form.toString()),
    });
  } else {
    if (realm.service) url.searchParams.set('service', realm.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (credential) headers.authorization = basicAuthorization(credential);
    response = await send({ method: 'GET', url, agent: via, headers });
  }
  const status = response.statusCode ?? 0;
  if (status === 401 || status === 403) {
    response.resume();
    throw makeRegistryError(401, context, registryHost, [
      { code: 'UNAUTHORIZED', message: 'the token server refused the credentials' },
    ]);
  }
  if (status !== 200) throw await registryError(response, context, registryHost);
  let answer: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
  try {
    answer = JSON.parse((await readBody(response, 1024 * 1024)).toString('utf8'));
  } catch {
    throw new SlipwayError('BAD_TOKEN_RESPONSE', `${context}: the answer is not JSON`);
  }
  const token = answer.token ?? answer.access_token;
  if (!token) throw new SlipwayError('BAD_TOKEN_RESPONSE', `${context}: the answer has no token`);
  const lifetime = typeof answer.expires_in === 'number' ? answer.expires_in : 60;
  const issued = answer.issued_at ? Date.parse(answer.issued_at) : Number.NaN;
  const start = Number.isFinite(issued) ? Math.min(issued, Date.now()) : Date.now();
  // Renew a little early, so a token does not expire between check and use.
  return { token, expiresAt: start + lifetime * 1000 - 5_000 };
}
