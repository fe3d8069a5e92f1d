import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { anonymous, type CredentialSource } from '../auth/credentials.js';
import { RegistryError } from '../errors/index.js';
import { type Emit, silent } from '../log/events.js';
import { AuthState } from './auth-state.js';
import { registryError } from './errors.js';
import { type Agent, send, showUrl } from './http.js';
import { type Endpoint, ping } from './ping.js';
import {
  backoff,
  DEFAULT_RETRY,
  isRetryableError,
  isRetryableStatus,
  pause,
  type RetryPolicy,
} from './retry.js';
import {
  defaultSettings,
  hostSettings,
  type RegistryHostSettings,
  type RegistrySettings,
} from './settings.js';

/** What a connection to a registry needs besides the host. */
export interface ConnectionOptions {
  credentials?: CredentialSource;
  settings?: RegistrySettings;
  /** Settings from flags, on top of the file's. */
  overrides?: RegistryHostSettings;
  retry?: RetryPolicy;
  emit?: Emit;
}

/** One request through a connection. */
export interface RegistryRequest {
  method: string;
  /** A path on the registry (`/v2/…`) or an absolute URL (upload locations). */
  path: string | URL;
  scopes: readonly string[];
  headers?: Record<string, string>;
  /** A Buffer is resent on retries; a stream is sent once. */
  body?: Buffer | Readable;
  /** Names the request in errors: `pushing manifest to 127.0.0.1:5000/app`. */
  context: string;
}

/**
 * A registry host: its endpoint (found by ping), its auth state and token
 * cache, and requests with authentication and retries. Shared by every
 * repository client on the host so tokens and sockets are reused.
 */
export class RegistryConnection {
  readonly host: string;
  readonly settings: RegistryHostSettings;
  private endpoint?: Promise<Endpoint>;
  private readonly auth: AuthState;
  private readonly retry: RetryPolicy;
  readonly emit: Emit;

  constructor(host: string, options: ConnectionOptions = {}) {
    this.host = host;
    this.settings = hostSettings(options.settings ?? defaultSettings(), host, options.overrides);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.emit = options.emit ?? silent;
    this.auth = new AuthState(host, options.credentials ?? anonymous, (realm) =>
      this.agentFor(realm),
    );
  }

  /** The endpoint, pinging the registry the first time. */
  resolve(): Promise<Endpoint> {
    this.endpoint ??= this.ping().catch((error) => {
      this.endpoint = undefined;
      throw error;
    });
    return this.endpoint;
  }

  private async ping(): Promise<Endpoint> {
    const ca = this.settings.caFile ? readFileSync(this.settings.caFile, 'utf8') : undefined;
    const verify = this.settings.tlsVerify ?? !this.settings.insecure;
    const { endpoint, response } = await ping(this.host, this.settings, { verify, ca });
    if (response.statusCode === 401) this.auth.learn(response, []);
    response.resume();
    this.emit({
      kind: 'registry.endpoint',
      level: 'debug',
      message: `${this.host}: API at ${endpoint.base.origin}`,
      registry: this.host,
      url: endpoint.base.origin,
    });
    return endpoint;
  }

  private agentFor(realm: string): Agent | undefined {
    const resolved = this.endpointNow;
    return resolved && new URL(realm).origin === resolved.base.origin ? resolved.agent : undefined;
  }

  private endpointNow?: Endpoint;

  /** Send a request; 401 is answered once with fresh auth, failures retried. */
  async request(request: RegistryRequest): Promise<IncomingMessage> {
    const endpoint = await this.resolve();
    this.endpointNow = endpoint;
    const url =
      typeof request.path === 'string' ? new URL(request.path, endpoint.base) : request.path;
    const replayable = request.body === undefined || Buffer.isBuffer(request.body);
    let reauthorized = false;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { ...request.headers };
      const authorization = await this.auth.authorization(request.scopes);
      if (authorization) headers.authorization = authorization;
      let response: IncomingMessage;
      try {
        response = await send({
          method: request.method,
          url,
          headers,
          body: request.body,
          agent: endpoint.agent,
        });
      } catch (error) {
        if (!(replayable && isRetryableError(error) && attempt < this.retry.attempts)) throw error;
        await this.wait(request, attempt, (error as Error).message);
        continue;
      }
      const status = response.statusCode ?? 0;
      if (status === 401) {
        const fresh = !reauthorized && this.auth.learn(response, request.scopes);
        if (fresh && replayable) {
          response.resume();
          reauthorized = true;
          attempt--;
          continue;
        }
        throw await this.unauthorized(response, request.context);
      }
      if (replayable && isRetryableStatus(status) && attempt < this.retry.attempts) {
        await this.wait(request, attempt, `${status}`, response);
        continue;
      }
      return response;
    }
  }

  private async unauthorized(response: IncomingMessage, context: string): Promise<Error> {
    const error = await registryError(response, context, this.host);
    if (await this.auth.hasCredential()) return error;
    return new RegistryError(error.message, 401, error.registryCodes, {
      hint: `no credentials for ${this.host}: log in with \`slipway login ${this.host}\` or pass --creds`,
    });
  }

  private async wait(
    request: RegistryRequest,
    attempt: number,
    why: string,
    response?: IncomingMessage,
  ): Promise<void> {
    const delay = backoff(this.retry, attempt, response);
    response?.resume();
    this.emit({
      kind: 'registry.retry',
      level: 'warn',
      message: `${request.context}: ${why}; retrying in ${(delay / 1000).toFixed(1)} s (try ${attempt + 1} of ${this.retry.attempts})`,
      registry: this.host,
      attempt,
    });
    await pause(delay);
  }

  /** Turn an unexpected answer into a RegistryError (consumes the body). */
  fail(response: IncomingMessage, context: string): Promise<Error> {
    return registryError(response, context, this.host);
  }

  /** Check that the registry accepts our credentials (for login). */
  async checkLogin(): Promise<void> {
    const response = await this.request({
      method: 'GET',
      path: '/v2/',
      scopes: [],
      context: `logging in to ${this.host}`,
    });
    if (response.statusCode !== 200) throw await this.fail(response, `logging in to ${this.host}`);
    response.resume();
  }

  /** Where an upload location or other registry-relative URL points. */
  async url(path: string): Promise<URL> {
    return new URL(path, (await this.resolve()).base);
  }

  /** Whether a response URL is shown safely in messages. */
  show(url: URL): string {
    return showUrl(url);
  }
}
