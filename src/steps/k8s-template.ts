import { InputError } from '../errors/index.js';

// Parameters in deployment files (Kubernetes manifests, Helm values):
// `${NAME}` is replaced by the parameter's value; `$${NAME}` stays as the
// text `${NAME}`. An undefined parameter is an error at its file and line.

const PATTERN = /\$\$\{|\$\{([^}\n]*)\}/g;

/** `text` with every `${NAME}` replaced from `params`. */
export function replaceParameters(
  text: string,
  params: ReadonlyMap<string, string>,
  file: string,
): string {
  return text.replace(PATTERN, (match, name: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    const key = (name ?? '').trim();
    const value = params.get(key);
    if (value !== undefined) return value;
    const before = text.slice(0, offset).split('\n');
    const location = { file, line: before.length, column: before[before.length - 1]!.length + 1 };
    const close = closest(key, [...params.keys()]);
    throw new InputError('UNDEFINED_PARAMETER', `undefined parameter \${${key}}`, {
      location,
      hint: close
        ? `did you mean \${${close}}? (write $\${${key}} to keep the text as is)`
        : `define it in the pipeline's variables or with --var ${key}=...`,
    });
  });
}

/** The known name nearest to `name` within two edits, if any. */
function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toUpperCase(), candidate.toUpperCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + cost);
    }
    row = next;
  }
  return row[b.length]!;
}
