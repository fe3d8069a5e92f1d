// Build checks (BuildKit's lint rules) over a parsed Dockerfile, returned as data.
import { RULES, type Rule, ruleUrl } from './check-rules.js';
import { checkWordSyntax } from './check-syntax.js';
import { checkVariables } from './check-vars.js';
import type { ParsedDockerfile } from './parse.js';
import { baseStage, checkStageOrder, stagesNeededFor } from './stages.js';
import type { Instruction, Location, Warning } from './types.js';

/** What the checker may know beyond the file. */
export interface CheckOptions {
  /** --build-arg names and values, for UnusedBuildArg. */
  buildArgs?: ReadonlyMap<string, string>;
  /** The --target stage; the last stage when absent. */
  target?: string;
  /** The `Env` of an external base image when known; unknown disables UndefinedVar there. */
  baseImageEnv?: (image: string) => readonly string[] | undefined;
}

/** The `# check=skip=A,B;error=true` directive, read. */
export interface CheckDirective {
  skip: Set<string>;
  skipAll: boolean;
  error: boolean;
}

/** Reads the value of a `# check=` directive. */
export function parseCheckDirective(value: string | undefined): CheckDirective {
  const result: CheckDirective = { skip: new Set(), skipAll: false, error: false };
  for (const part of (value ?? '').split(';')) {
    const [key, val = ''] = part.split('=').map((s) => s.trim());
    if (key === 'skip') {
      for (const name of val.split(',').map((s) => s.trim())) {
        if (name.toLowerCase() === 'all') result.skipAll = true;
        else if (name !== '') result.skip.add(name);
      }
    } else if (key === 'error') {
      result.error = val.toLowerCase() === 'true';
    }
  }
  return result;
}

/** Collects findings; a rule the directive skips is dropped. */
export class Findings {
  readonly warnings: Warning[] = [];
  constructor(private readonly directive: CheckDirective) {}

  add(rule: Rule, message: string, location: Location): void {
    if (this.directive.skipAll || this.directive.skip.has(rule.name)) return;
    const warning: Warning = { rule: rule.name, message, location, fix: rule.fix };
    const url = ruleUrl(rule.name);
    if (url !== undefined) warning.url = url;
    this.warnings.push(warning);
  }
}

const isUpper = (text: string) => text === text.toUpperCase();
const isLower = (text: string) => text === text.toLowerCase();

function checkCasing(parsed: ParsedDockerfile, findings: Findings): void {
  const file = parsed.stages[0]?.from.location.file ?? '';
  const keywords = parsed.ast.children.map((node) => node.value);
  const upper = keywords.filter(isUpper).length;
  const majority = upper >= keywords.length - upper ? 'uppercase' : 'lowercase';
  for (const node of parsed.ast.children) {
    const ok = majority === 'uppercase' ? isUpper(node.value) : isLower(node.value);
    if (ok) continue;
    findings.add(
      RULES.instructionCasing,
      `Command '${node.value}' should match the case of the command majority (${majority})`,
      { file, line: node.startLine, column: node.column, endLine: node.endLine },
    );
  }
}

// What a stage passes to the stages built FROM it: its SHELL, and whether it set WORKDIR.
interface Inherited {
  hasShell: boolean;
  workdirSet: boolean;
}

function checkStages(parsed: ParsedDockerfile, findings: Findings): void {
  const seen = new Set<string>();
  const inherited: Inherited[] = [];
  for (const stage of parsed.stages) {
    const { from } = stage;
    const written = from.stageNameAsWritten;
    if (written !== undefined) {
      if (!isLower(written)) {
        findings.add(
          RULES.stageNameCasing,
          `Stage name '${written}' should be lowercase`,
          from.location,
        );
      }
      const keyword = from.original.split(/\s+/)[0] ?? 'FROM';
      const as = from.original.split(/\s+/).slice(-2)[0] ?? 'AS';
      if ((isUpper(keyword) && !isUpper(as)) || (isLower(keyword) && !isLower(as))) {
        findings.add(
          RULES.fromAsCasing,
          `'${as}' and '${keyword}' keywords' casing do not match`,
          from.location,
        );
      }
      const name = stage.name as string;
      if (seen.has(name)) {
        findings.add(
          RULES.duplicateStageName,
          `Duplicate stage name '${name}', stage names should be unique`,
          from.location,
        );
      }
      seen.add(name);
      if (name === 'scratch' || name === 'context') {
        findings.add(
          RULES.reservedStageName,
          `Stage name should not use the same name as reserved stage '${name}'`,
          from.location,
        );
      }
    }
    if (from.platform === '$TARGETPLATFORM' || from.platform === `\${TARGETPLATFORM}`) {
      findings.add(
        RULES.redundantPlatform,
        `Setting platform to predefined ${from.platform} in FROM is redundant as this is the default behavior`,
        from.location,
      );
    }
    const base = baseStage(parsed.stages, stage);
    const start = base === undefined ? undefined : inherited[base.index];
    inherited[stage.index] = checkStageInstructions(stage.instructions, findings, start);
  }
}

function checkStageInstructions(
  instructions: Instruction[],
  findings: Findings,
  from: Inherited = { hasShell: false, workdirSet: false },
): Inherited {
  const last = new Map<string, Instruction>();
  let { hasShell, workdirSet } = from;
  for (const instruction of instructions) {
    switch (instruction.kind) {
      case 'MAINTAINER':
        findings.add(
          RULES.maintainerDeprecated,
          'Maintainer instruction is deprecated in favor of using label',
          instruction.location,
        );
        break;
      case 'SHELL':
        hasShell = true;
        break;
      case 'CMD':
      case 'ENTRYPOINT':
        if (instruction.command.form === 'shell' && !hasShell) {
          findings.add(
            RULES.jsonArgsRecommended,
            `JSON arguments recommended for ${instruction.kind} to prevent unintended behavior related to OS signals`,
            instruction.location,
          );
        }
        break;
      case 'ENV':
      case 'LABEL':
        if (instruction.legacyFormat) {
          findings.add(
            RULES.legacyKeyValue,
            `"${instruction.kind} key=value" should be used instead of legacy "${instruction.kind} key value" format`,
            instruction.location,
          );
        }
        break;
      case 'WORKDIR': {
        // Only the first WORKDIR of a chain of stages counts: fixing it fixes the rest.
        const { path } = instruction;
        if (!workdirSet && !path.startsWith('/') && !path.includes('$')) {
          findings.add(
            RULES.workdirRelative,
            `Relative workdir "${path}" can have unexpected results if the base image changes`,
            instruction.location,
          );
        }
        workdirSet = true;
        break;
      }
      case 'EXPOSE':
        checkExpose(instruction.ports, instruction.location, findings);
        break;
    }
    if (['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(instruction.kind)) {
      const previous = last.get(instruction.kind);
      if (previous !== undefined) {
        findings.add(
          RULES.multipleInstructions,
          `Multiple ${instruction.kind} instructions should not be used in the same stage because only the last one will be used`,
          previous.location,
        );
      }
      last.set(instruction.kind, instruction);
    }
  }
  return { hasShell, workdirSet };
}

function checkExpose(ports: string[], location: Location, findings: Findings): void {
  for (const port of ports) {
    if (port.includes('$')) continue;
    const proto = port.split('/')[1];
    if (proto !== undefined && !isLower(proto)) {
      findings.add(
        RULES.exposeProtoCasing,
        `Defined protocol '${port}' in EXPOSE instruction should be lowercase`,
        location,
      );
    }
    if (port.split('/')[0]?.includes(':')) {
      findings.add(
        RULES.exposeFormat,
        `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`,
        location,
      );
    }
  }
}

function checkReachable(parsed: ParsedDockerfile, options: CheckOptions, findings: Findings) {
  let needed: Set<number>;
  try {
    needed = new Set(stagesNeededFor(parsed, options.target));
  } catch {
    return;
  }
  for (const stage of parsed.stages) {
    if (needed.has(stage.index)) continue;
    // Without --target a named stage may be built on its own; only unnamed ones are dead.
    if (options.target === undefined && stage.name !== undefined) continue;
    const label = stage.name === undefined ? `${stage.index}` : `'${stage.name}'`;
    findings.add(
      RULES.unreachableStage,
      `Stage ${label} is not used by the target stage and will not be built`,
      stage.from.location,
    );
  }
}

/** Runs every check; parseDockerfile runs it without build arguments. */
export function runChecks(parsed: ParsedDockerfile, options: CheckOptions = {}): Warning[] {
  const findings = new Findings(parseCheckDirective(parsed.directives.check));
  checkCasing(parsed, findings);
  checkStages(parsed, findings);
  checkVariables(parsed, options, findings);
  checkReachable(parsed, options, findings);
  return findings.warnings.sort((a, b) => a.location.line - b.location.line);
}

/** What `slipway dockerfile check` does: the errors a lint of every stage finds, thrown,
 * then the warnings. */
export function lintDockerfile(parsed: ParsedDockerfile, options: CheckOptions = {}): Warning[] {
  checkStageOrder(parsed);
  checkWordSyntax(parsed);
  const parserWarnings = parsed.warnings.filter((w) => w.rule === 'NoEmptyContinuation');
  return [...parserWarnings, ...runChecks(parsed, options)];
}
