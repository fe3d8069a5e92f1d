import { InputError } from '../errors/index.js';

// `echo 'KEY=VALUE' >> $GITEE_PARAMS`: what a step's commands hand to later steps.

/** The KEY=VALUE lines of a GITEE_PARAMS file; later lines win. */
export function parseParamsFile(text: string, step: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new InputError(
        'GITEE_PARAMS',
        `step ${step}: GITEE_PARAMS line ${index + 1} is not KEY=VALUE`,
      );
    }
    if (/^(GITEE_|GO_)/.test(name)) {
      throw new InputError(
        'GITEE_PARAMS',
        `step ${step}: GITEE_PARAMS cannot set ${name}: GITEE_ and GO_ are reserved`,
      );
    }
    params.set(name, line.slice(eq + 1));
  }
  return params;
}
