import { InputError, type SourceLocation } from '../errors/index.js';
import { formatReference, parseReference } from '../image/reference.js';

// How build@docker joins `repository` and `tag` into the image it pushes:
//
//   1. a tag that starts with the repository's host is a whole reference:
//      repository crpi.example.com/team, tag crpi.example.com/team/app:1 -> as written;
//   2. a tag `name:tag` goes under the repository:
//      crpi.example.com/team + app:1.4          -> crpi.example.com/team/app:1.4;
//   3. anything else is a bare tag of the repository itself:
//      crpi.example.com/team/app + 1.4          -> crpi.example.com/team/app:1.4
//      (a branch name `feature/x` as a tag is invalid: `/` becomes `-`).
//
// An invalid result (uppercase from a branch name, `/` in a tag) is an error
// that shows the corrected reference.

const TAG = /^[\w][\w.-]{0,127}$/;

/** The full image reference for a repository and tag, or an InputError. */
export function joinImageReference(
  repository: string,
  tag: string,
  where?: SourceLocation,
): string {
  const repo = repository
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  const text = tag.trim() === '' ? 'latest' : tag.trim();
  const host = repo.split('/')[0] ?? '';
  let joined: string;
  if (repo === '') {
    throw new InputError(
      'IMAGE_REFERENCE',
      'build@docker needs a repository (a registry host, optionally with a namespace)',
      {
        location: where,
      },
    );
  } else if (text.startsWith(`${host}/`)) joined = text;
  else if (text.includes(':')) joined = `${repo}/${text}`;
  else if (!repo.includes('/')) {
    throw new InputError(
      'IMAGE_REFERENCE',
      `tag "${text}" is a bare tag, and repository ${repo} has no image name to tag`,
      {
        location: where,
        hint: `write tag as name:tag (app:${text}), or add the name to the repository (${repo}/app)`,
      },
    );
  } else joined = `${repo}:${text}`;
  return checked(joined, where);
}

function checked(joined: string, where?: SourceLocation): string {
  const corrected = correct(joined);
  try {
    const reference = parseReference(joined);
    if (corrected === joined) return formatReference(reference);
  } catch {
    // Fall through to the error with the corrected name.
  }
  throw new InputError(
    'IMAGE_REFERENCE',
    `image reference "${joined}" is invalid; corrected it reads "${corrected}"`,
    {
      location: where,
      hint:
        'repository names are lowercase; tags are letters, digits, _ . - (at most 128); ' +
        'fix the repository or tag, or the parameter they come from',
    },
  );
}

/** The nearest valid reference: lowercase name, tag with invalid characters as `-`. */
export function correct(reference: string): string {
  // The host ends at the first `/`; after it, the first `:` starts the tag.
  const slash = reference.indexOf('/');
  const host = slash > 0 ? reference.slice(0, slash) : '';
  const rest = slash > 0 ? reference.slice(slash + 1) : reference;
  const colon = rest.indexOf(':');
  const name = colon >= 0 ? rest.slice(0, colon) : rest;
  const tag = colon >= 0 ? rest.slice(colon + 1) : undefined;
  const path = name
    .toLowerCase()
    .split('/')
    .map((part) => part.replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, ''))
    .filter(Boolean)
    .join('/');
  let fixedTag = tag
    ?.replace(/[^\w.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
  if (fixedTag !== undefined && !TAG.test(fixedTag)) fixedTag = 'latest';
  return `${host ? `${host}/` : ''}${path}${fixedTag === undefined ? '' : `:${fixedTag}`}`;
}
