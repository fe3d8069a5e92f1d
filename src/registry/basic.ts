import type { PasswordCredential } from '../auth/credentials.js';

/** The Authorization header value for HTTP Basic auth. */
export function basicAuthorization(credential: PasswordCredential): string {
  const pair = `${credential.username}:${credential.password}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}
