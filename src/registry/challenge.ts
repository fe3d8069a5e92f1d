// WWW-Authenticate challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`.

/** One challenge: its scheme (lower case) and parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** Parse a WWW-Authenticate header value into its challenges. */
export function parseChallenges(header: string | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = (header ?? '').trim();
  let current: Challenge | undefined;
  while (rest.length > 0) {
    const word = TOKEN.exec(rest)?.[0];
    if (!word) {
      rest = rest.slice(1).trimStart();
      continue;
    }
    const after = rest.slice(word.length).trimStart();
    if (after.startsWith('=') && current) {
      const { value, remainder } = readValue(after.slice(1).trimStart());
      current.params[word.toLowerCase()] = value;
      rest = remainder;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      challenges.push(current);
      rest = after;
    }
    rest = rest.replace(/^\s*,\s*/, '');
  }
  return challenges;
}

function readValue(text: string): { value: string; remainder: string } {
  if (!text.startsWith('"')) {
    const end = text.search(/[,\s]/);
    return end < 0
      ? { value: text, remainder: '' }
      : { value: text.slice(0, end), remainder: text.slice(end) };
  }
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && i + 1 < text.length) value += text[++i];
    else if (char === '"') return { value, remainder: text.slice(i + 1) };
    else value += char;
  }
  return { value, remainder: '' };
}
