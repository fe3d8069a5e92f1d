import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A token server in the style of Docker Hub's auth service: it checks a
// username and password, grants the scopes asked for and signs a JWT that
// distribution verifies against the certificate in its rootcertbundle.

/** Settings of the test token server. */
export interface TokenServerOptions {
  users: Record<string, string>;
  service: string;
  issuer: string;
  keyFile: string;
  certFile: string;
  /** Lifetime of issued tokens; negative issues tokens that are already expired. */
  lifetimeSeconds?: number;
  /** Grant `pull` to anonymous requests (default: anonymous gets nothing). */
  anonymousPull?: boolean;
}

/** One token request as the server saw it (for tests to assert on scopes). */
export interface TokenRequest {
  user?: string;
  scopes: string[];
  method: string;
}

/** A running token server; settings may be changed between requests. */
export interface TokenServer {
  url: string;
  requests: TokenRequest[];
  options: TokenServerOptions;
  stop(): Promise<void>;
}

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

/** Start the token server on a free 127.0.0.1 port. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = await readFile(options.keyFile, 'utf8');
  const certDer = new X509Certificate(await readFile(options.certFile)).raw;
  const requests: TokenRequest[] = [];
  const state = { options };

  const sign = (user: string | undefined, scopes: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = state.options.lifetimeSeconds ?? 300;
    const access = scopes.flatMap((scope) => grant(state.options, user, scope));
    // distribution 2.8 looks up the signing key from the x5c chain.
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: state.options.issuer,
      sub: user ?? '',
      aud: state.options.service,
      exp: now + lifetime,
      nbf: Math.min(now - 1, now + lifetime - 1),
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    return `${signingInput}.${b64url(signature)}`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' '));
    let user: string | undefined;
    let password: string | undefined;
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      user = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      if (form.get('grant_type') === 'password') {
        user = form.get('username') ?? undefined;
        password = form.get('password') ?? undefined;
      } else if (form.get('grant_type') === 'refresh_token') {
        // A refresh token is `user/secret`; a valid one stands for the password.
        const [who = '', secret] = (form.get('refresh_token') ?? '').split('/');
        user = who;
        password = secret === refreshSecret(state.options, who) ? state.options.users[who] : '';
      }
    }
    requests.push({ user, scopes, method: req.method ?? 'GET' });
    const users = state.options.users;
    const known = user !== undefined && Object.hasOwn(users, user) && users[user] === password;
    if (user !== undefined && !known) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
      return;
    }
    const token = sign(user, scopes);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: state.options.lifetimeSeconds ?? 300,
      issued_at: new Date().toISOString(),
    };
    if (user !== undefined && url.searchParams.get('offline_token') === 'true') {
      body.refresh_token = `${user}/${refreshSecret(state.options, user)}`;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    get options() {
      return state.options;
    },
    set options(next: TokenServerOptions) {
      state.options = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function refreshSecret(options: TokenServerOptions, user: string): string {
  return b64url(`${options.issuer}:${user}`);
}

function grant(options: TokenServerOptions, user: string | undefined, scope: string) {
  const parts = scope.split(':');
  if (parts.length < 3) return [];
  const actions = (parts.pop() ?? '').split(',').filter(Boolean);
  const type = parts.shift() ?? '';
  const name = parts.join(':');
  const allowed = user !== undefined ? actions : options.anonymousPull ? ['pull'] : [];
  const granted = actions.filter((action) => allowed.includes(action));
  return granted.length ? [{ type, name, actions: granted }] : [];
}
