// Variable checks: UndefinedVar, UndefinedArgInFrom, SecretsUsedInArgOrEnv, UnusedBuildArg.
import { RULES } from './check-rules.js';
import type { CheckOptions, Findings } from './checks.js';
import { suggest } from './errors.js';
import type { ParsedDockerfile } from './parse.js';
import { PROXY_ARGS } from './scope.js';
import { lex } from './shell-lex.js';
import { findStageRef, stagesNeededFor } from './stages.js';
import type { Instruction, Location } from './types.js';

const SECRET =
  /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const ALLOWED = /(?:_|^)(?:public)(?:_|$)/i;
const PLATFORM_ARGS = ['PLATFORM', 'OS', 'ARCH', 'VARIANT'].flatMap((p) => [
  `BUILD${p}`,
  `TARGET${p}`,
]);

/** True for an ARG or ENV name that looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  return !ALLOWED.test(name) && SECRET.test(name);
}

// Names a word references that `known` does not define; [] when it does not lex.
function undefinedNames(word: string, known: Set<string>, escapeToken: '\\' | '`'): string[] {
  try {
    const result = lex(word, (name) => (known.has(name) ? '' : undefined), {
      escapeToken,
    });
    return [...result.unmatched];
  } catch {
    return [];
  }
}

/** The words of an instruction that BuildKit expands (besides ENV and ARG values). */
export function wordsOf(instruction: Instruction): string[] {
  switch (instruction.kind) {
    case 'LABEL':
      return instruction.labels.flatMap(({ key, value }) => [key, value]);
    case 'WORKDIR':
      return [instruction.path];
    case 'USER':
      return [instruction.user];
    case 'STOPSIGNAL':
      return [instruction.signal];
    case 'EXPOSE':
      return instruction.ports;
    case 'VOLUME':
      return instruction.volumes;
    case 'COPY':
    case 'ADD':
      return [
        ...instruction.sources,
        instruction.dest,
        instruction.chown ?? '',
        instruction.chmod ?? '',
      ];
    default:
      return [];
  }
}

/** The variable checks of a whole file. */
export function checkVariables(
  parsed: ParsedDockerfile,
  options: CheckOptions,
  findings: Findings,
): void {
  const escapeToken = parsed.directives.escape;
  const secret = (kind: string, name: string, location: Location) => {
    if (isSecretName(name)) {
      findings.add(
        RULES.secrets,
        `Do not use ARG or ENV instructions for sensitive data (${kind} "${name}")`,
        location,
      );
    }
  };
  const globals = new Set(PLATFORM_ARGS);
  for (const arg of parsed.globalArgs) {
    for (const { key } of arg.args) {
      secret('ARG', key, arg.location);
      globals.add(key);
    }
  }
  const stageEnv: Array<Set<string> | undefined> = [];
  for (const stage of parsed.stages) {
    const { from } = stage;
    for (const word of [from.image, from.platform ?? '']) {
      for (const name of undefinedNames(word, globals, escapeToken)) {
        const close = suggest(name, [...globals]);
        const hint = close === undefined ? '' : ` (did you mean ${close}?)`;
        findings.add(
          RULES.undefinedArgInFrom,
          `FROM argument '${name}' is not declared${hint}`,
          from.location,
        );
      }
    }
    const base = findStageRef(parsed.stages, from.image, stage.index);
    let known: Set<string> | undefined;
    if (base !== undefined) known = stageEnv[base.index] && new Set(stageEnv[base.index]);
    else if (from.image.toLowerCase() === 'scratch') known = new Set();
    else {
      const env = options.baseImageEnv?.(from.image);
      known = env && new Set(env.map((entry) => entry.split('=')[0] as string));
    }
    const check = (word: string, location: Location) => {
      if (known === undefined) return;
      for (const name of undefinedNames(word, known, escapeToken)) {
        const close = suggest(name, [...known]);
        const hint = close === undefined ? '' : ` (did you mean $${close}?)`;
        findings.add(RULES.undefinedVar, `Usage of undefined variable '$${name}'${hint}`, location);
      }
    };
    for (const instruction of stage.instructions) {
      if (instruction.kind === 'ENV') {
        for (const { key, value } of instruction.env) {
          secret('ENV', key, instruction.location);
          check(value, instruction.location);
          known?.add(key);
        }
      } else if (instruction.kind === 'ARG') {
        for (const { key, value } of instruction.args) {
          secret('ARG', key, instruction.location);
          if (value !== undefined) check(value, instruction.location);
          known?.add(key);
        }
      } else {
        for (const word of wordsOf(instruction)) check(word, instruction.location);
      }
    }
    stageEnv[stage.index] = known;
  }
  checkUnusedBuildArgs(parsed, options, findings);
}

function checkUnusedBuildArgs(parsed: ParsedDockerfile, options: CheckOptions, findings: Findings) {
  if (options.buildArgs === undefined || options.buildArgs.size === 0) return;
  let needed: number[];
  try {
    needed = stagesNeededFor(parsed, options.target);
  } catch {
    return;
  }
  const declared = new Set(parsed.globalArgs.flatMap((arg) => arg.args.map((a) => a.key)));
  for (const index of needed) {
    for (const instruction of parsed.stages[index]?.instructions ?? []) {
      if (instruction.kind === 'ARG') for (const { key } of instruction.args) declared.add(key);
    }
  }
  const first = parsed.stages[0]?.from.location;
  if (first === undefined) return;
  for (const name of options.buildArgs.keys()) {
    if (declared.has(name) || PROXY_ARGS.includes(name)) continue;
    findings.add(
      RULES.unusedBuildArg,
      `Build argument "${name}" is not consumed by any ARG of the stages built`,
      { ...first, line: 1, column: 1, endLine: 1 },
    );
  }
}
