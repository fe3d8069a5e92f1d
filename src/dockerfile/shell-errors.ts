/** An error in the expansion of a word (bad substitution, missing `}`). */
export class ExpansionError extends Error {}
