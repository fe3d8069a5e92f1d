// Go's fmt verbs that BuildKit's history strings are made with.

/** A string as Go's %q prints it. */
export function goQuote(text: string): string {
  return JSON.stringify(text).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');
}

/** A []string as Go's %q prints it: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}
