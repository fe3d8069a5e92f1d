// Token scopes (distribution's token auth): `repository:<name>:<actions>`.

/** The scope to read a repository. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** The scope to read and write a repository. */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

/** A stable key for a set of scopes (token cache). */
export function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort().join(' ');
}
