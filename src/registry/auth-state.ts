import type { IncomingMessage } from 'node:http';
import type { Credential, CredentialSource } from '../auth/credentials.js';
import { isPassword } from '../auth/credentials.js';
import { basicAuthorization } from './basic.js';
import { type BearerToken, fetchToken, type TokenRealm } from './bearer.js';
import { parseChallenges } from './challenge.js';
import type { Agent } from './http.js';
import { scopeKey } from './scope.js';

// What a registry asked for (its challenge) and what we hold to answer it:
// the credential for the host, and bearer tokens cached by scope set.

/** Authorization for one registry host. */
export class AuthState {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private realm?: TokenRealm;
  private credential?: Credential;
  private credentialLoaded = false;
  private readonly tokens = new Map<string, Promise<BearerToken>>();

  constructor(
    private readonly host: string,
    private readonly credentials: CredentialSource,
    private readonly realmAgent?: (url: string) => Agent | undefined,
  ) {}

  /** Learn the challenge of a 401 answer; true if answering it is worth a retry. */
  learn(response: IncomingMessage, scopes: readonly string[]): boolean {
    const header = response.headers['www-authenticate'];
    const challenges = parseChallenges(Array.isArray(header) ? header.join(', ') : header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const before = this.scheme;
    if (bearer?.params.realm) {
      this.scheme = 'bearer';
      this.realm = { realm: bearer.params.realm, service: bearer.params.service };
      const had = this.tokens.delete(scopeKey(scopes));
      return before !== 'bearer' || had;
    }
    if (basic) {
      this.scheme = 'basic';
      return before !== 'basic';
    }
    return false;
  }

  /** The Authorization header for a request needing `scopes`, if any is due. */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    if (this.scheme === 'none') return undefined;
    const credential = await this.loadCredential();
    if (this.scheme === 'basic') {
      return credential && isPassword(credential) ? basicAuthorization(credential) : undefined;
    }
    return `Bearer ${(await this.token(scopes, credential)).token}`;
  }

  // One token per scope set, shared by requests in flight at the same time
  // (parallel blob uploads ask at once) and reused until it expires.
  private async token(scopes: readonly string[], credential?: Credential): Promise<BearerToken> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt > Date.now()) return token;
      if (this.tokens.get(key) !== cached) return this.token(scopes, credential);
      this.tokens.delete(key);
    }
    const realm = this.realm!;
    const wanted = [...new Set(scopes)].sort();
    const agent = this.realmAgent?.(realm.realm);
    const fetching = fetchToken(realm, wanted, credential, this.host, agent);
    this.tokens.set(key, fetching);
    fetching.catch(() => {
      if (this.tokens.get(key) === fetching) this.tokens.delete(key);
    });
    return fetching;
  }

  /** Whether the registry has asked for credentials at all. */
  get required(): boolean {
    return this.scheme !== 'none';
  }

  /** Whether a credential is known for the host. */
  async hasCredential(): Promise<boolean> {
    return (await this.loadCredential()) !== undefined;
  }

  private async loadCredential(): Promise<Credential | undefined> {
    if (!this.credentialLoaded) {
      this.credential = await this.credentials.lookup(this.host);
      this.credentialLoaded = true;
    }
    return this.credential;
  }
}
