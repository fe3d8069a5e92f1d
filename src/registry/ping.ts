import type { IncomingMessage } from 'node:http';
import { SlipwayError } from '../errors/index.js';
import { type Agent, makeAgent, NetworkError, send, type TlsOptions } from './http.js';
import { isLocalHost, type RegistryHostSettings } from './settings.js';

// Finding how to talk to a registry: `GET /v2/` over HTTPS, falling back to
// plain HTTP for insecure registries and, like Docker, for registries on this
// machine when HTTPS fails with a protocol error.

/** How to reach a registry's API. */
export interface Endpoint {
  base: URL;
  agent: Agent;
}

const PROTOCOL_ERRORS = ['EPROTO', 'ECONNRESET', 'ERR_SSL_WRONG_VERSION_NUMBER'];

/** The host that serves a registry's API (`docker.io` is served by registry-1). */
export function apiHost(host: string): string {
  return host === 'docker.io' ? 'registry-1.docker.io' : host;
}

/** Ping the registry; resolves to its endpoint and the `/v2/` answer (body unread). */
export async function ping(
  host: string,
  settings: RegistryHostSettings,
  tls: TlsOptions,
): Promise<{ endpoint: Endpoint; response: IncomingMessage }> {
  const schemes: ('http' | 'https')[] = settings.plainHttp ? ['http'] : ['https'];
  const fallback = settings.insecure || isLocalHost(host);
  if (!settings.plainHttp && fallback) schemes.push('http');
  let lastError: unknown;
  for (const scheme of schemes) {
    const endpoint = {
      base: new URL(`${scheme}://${apiHost(host)}/`),
      agent: makeAgent(scheme, tls),
    };
    try {
      const response = await send({
        method: 'GET',
        url: new URL('/v2/', endpoint.base),
        headers: {},
        agent: endpoint.agent,
      });
      return { endpoint, response };
    } catch (error) {
      lastError = error;
      const errno = error instanceof NetworkError ? (error.errno ?? '') : '';
      const protocol = PROTOCOL_ERRORS.includes(errno) || errno.startsWith('ERR_SSL');
      if (!(protocol || settings.insecure)) break;
    }
  }
  throw new SlipwayError(
    'REGISTRY_UNREACHABLE',
    `cannot reach registry ${host}: ${messageOf(lastError)}`,
    {
      cause: lastError,
      hint: hintFor(lastError, host),
    },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hintFor(error: unknown, host: string): string {
  const errno = error instanceof NetworkError ? (error.errno ?? '') : '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(errno)) {
    return `trust its CA with --ca-file, or mark ${host} insecure (--tls-verify=false)`;
  }
  if (errno === 'ECONNREFUSED') return `is a registry listening on ${host}?`;
  return `check the host name and port, or mark ${host} insecure if it speaks plain HTTP`;
}
