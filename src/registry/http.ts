import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { SlipwayError } from '../errors/index.js';

// HTTP for the registry client: node's http/https with keep-alive agents,
// streaming bodies both ways, and redirects that drop credentials when they
// leave the registry's host (blob downloads redirect to object storage).

/** TLS settings of one endpoint. */
export interface TlsOptions {
  verify: boolean;
  /** Extra CAs (PEM) trusted besides the system's. */
  ca?: string;
}

/** A keep-alive agent for one scheme and TLS setting. */
export type Agent = HttpAgent | HttpsAgent;

/** Make the agent a registry endpoint's requests share. */
export function makeAgent(scheme: 'http' | 'https', tls: TlsOptions): Agent {
  const common = { keepAlive: true, maxSockets: 16, keepAliveMsecs: 10_000 };
  if (scheme === 'http') return new HttpAgent(common);
  return new HttpsAgent({
    ...common,
    rejectUnauthorized: tls.verify,
    ...(tls.ca ? { ca: [...rootCertificates, tls.ca] } : {}),
  });
}

const defaultHttps = new HttpsAgent({ keepAlive: true });
const defaultHttp = new HttpAgent({ keepAlive: true });

/** One request to send. */
export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer | Readable;
  agent: Agent;
  /** Redirects to follow (GET and HEAD only). */
  redirects?: number;
}

/** A failure to talk to a server at all (reset, refused, TLS); never holds headers. */
export class NetworkError extends SlipwayError {
  readonly errno?: string;
  constructor(message: string, errno: string | undefined, cause: unknown) {
    super('REGISTRY_UNREACHABLE', message, { cause });
    this.errno = errno;
  }
}

/** A URL as shown in messages: without its query (upload state, signatures). */
export function showUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Send a request; resolves when the response headers arrive. */
export async function send(request: HttpRequest): Promise<IncomingMessage> {
  let current = request;
  for (let hop = 0; ; hop++) {
    const response = await sendOnce(current);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    const follow = (current.method === 'GET' || current.method === 'HEAD') && location;
    if (![301, 302, 303, 307, 308].includes(status) || !follow) return response;
    response.resume();
    if (hop >= (request.redirects ?? 5)) {
      throw new SlipwayError('TOO_MANY_REDIRECTS', `${showUrl(request.url)}: too many redirects`);
    }
    const next = new URL(location, current.url);
    const headers = { ...current.headers };
    if (next.host !== request.url.host) delete headers.authorization;
    const agent =
      next.host === request.url.host && next.protocol === request.url.protocol
        ? request.agent
        : next.protocol === 'https:'
          ? defaultHttps
          : defaultHttp;
    current = { ...current, url: next, headers, agent };
  }
}

function sendOnce(request: HttpRequest): Promise<IncomingMessage> {
  const make = request.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = make(request.url, {
      method: request.method,
      headers: request.headers,
      agent: request.agent,
    });
    let bodyError: Error | undefined;
    const fail = (error: NodeJS.ErrnoException) => {
      if (bodyError) return reject(bodyError);
      const what = `${request.method} ${showUrl(request.url)}`;
      reject(new NetworkError(`${what}: ${error.message}`, error.code, error));
    };
    req.on('error', fail);
    req.setTimeout(120_000, () =>
      req.destroy(
        Object.assign(new Error('no answer in 120 s'), {
          code: 'ETIMEDOUT',
        }),
      ),
    );
    req.on('response', resolve);
    const body = request.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (error) => {
        bodyError = error;
        req.destroy(error);
      });
      body.pipe(req);
    }
  });
}

/** Read a small response body (error documents, tokens, manifests), bounded. */
export async function readBody(response: IncomingMessage, limit = 4 * 1024 * 1024) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      response.destroy();
      throw new SlipwayError('RESPONSE_TOO_LARGE', `response larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
