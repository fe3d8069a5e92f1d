import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../errors/index.js';
import { readBody } from './http.js';

// Registry error responses: `{"errors":[{"code":"…","message":"…"}]}`, made
// into a RegistryError that says what happened and what to do. Only the
// response body and status are used: no request header can leak into it.

/** Turn an unexpected response into a RegistryError (consumes the body). */
export async function registryError(
  response: IncomingMessage,
  context: string,
  host: string,
): Promise<RegistryError> {
  const status = response.statusCode ?? 0;
  let details: { code: string; message: string }[] = [];
  try {
    const body = await readBody(response, 64 * 1024);
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) {
      details = parsed.errors.map((e: { code?: unknown; message?: unknown }) => ({
        code: String(e.code ?? 'UNKNOWN'),
        message: String(e.message ?? ''),
      }));
    }
  } catch {
    // Not JSON (a proxy's HTML page, or no body): the status says enough.
  }
  return makeRegistryError(status, context, host, details);
}

/** A RegistryError from a status and the registry's error list. */
export function makeRegistryError(
  status: number,
  context: string,
  host: string,
  details: { code: string; message: string }[] = [],
): RegistryError {
  const codes = details.map((d) => d.code);
  const said = details.map((d) => `${d.code.toLowerCase()}: ${d.message}`).join('; ');
  const summary = said || statusText(status);
  return new RegistryError(`${context}: ${status} ${summary}`, status, codes, {
    hint: hintFor(status, codes, host),
  });
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'bad request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not found',
    405: 'method not allowed',
    416: 'range not satisfiable',
    429: 'too many requests',
    500: 'internal server error',
    502: 'bad gateway',
    503: 'service unavailable',
    504: 'gateway timeout',
  };
  return texts[status] ?? 'unexpected status';
}

function hintFor(status: number, codes: string[], host: string): string | undefined {
  if (status === 401) {
    return `check the username/password for ${host} (slipway login ${host}, or --creds)`;
  }
  if (status === 403 || codes.includes('DENIED')) {
    return `the credentials for ${host} are not allowed to do this; check the repository's permissions`;
  }
  if (codes.includes('NAME_UNKNOWN')) return 'check the repository name';
  if (codes.includes('MANIFEST_UNKNOWN') || status === 404) {
    return 'check the repository name and the tag or digest';
  }
  if (status === 429) return `${host} is rate limiting; try again later or log in`;
  if (status >= 500) return `${host} failed; try again later`;
  return undefined;
}
