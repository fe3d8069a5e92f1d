import { SlipwayError } from '../errors/index.js';
import type { RegistryConnection } from './connection.js';
import { readBody } from './http.js';
import { pullScope } from './scope.js';

// The tags of a repository, `GET /v2/<name>/tags/list?n=…`, following the
// `Link: <…>; rel="next"` header page by page.

/** Every tag of a repository, in the order the registry lists them. */
export async function listTags(
  connection: RegistryConnection,
  repository: string,
  pageSize = 1000,
): Promise<string[]> {
  const context = `listing tags of ${connection.host}/${repository}`;
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repository}/tags/list?n=${pageSize}`;
  for (let page = 0; path !== undefined; page++) {
    if (page > 10_000) throw new SlipwayError('TOO_MANY_PAGES', `${context}: too many pages`);
    const response = await connection.request({
      method: 'GET',
      path,
      scopes: [pullScope(repository)],
      context,
    });
    if (response.statusCode !== 200) throw await connection.fail(response, context);
    const body = JSON.parse((await readBody(response)).toString('utf8')) as {
      tags?: string[] | null;
    };
    tags.push(...(body.tags ?? []));
    path = nextPage(response.headers.link as string | undefined);
  }
  return tags;
}

/** The `rel="next"` target of a Link header. */
export function nextPage(link: string | undefined): string | undefined {
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link ?? '');
  return match?.[1];
}
