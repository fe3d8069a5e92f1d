// The check rules: names as BuildKit spells them, a short fix for each.

/** A rule's name and the one-line fix we suggest. */
export interface Rule {
  name: string;
  fix: string;
}

const rule = (name: string, fix: string): Rule => ({ name, fix });

/** Every rule the checker knows. */
export const RULES = {
  stageNameCasing: rule('StageNameCasing', 'write the stage name in lower case'),
  fromAsCasing: rule('FromAsCasing', 'write FROM and AS in the same case'),
  duplicateStageName: rule('DuplicateStageName', 'give each stage its own name'),
  reservedStageName: rule(
    'ReservedStageName',
    'rename the stage (scratch and context are reserved)',
  ),
  maintainerDeprecated: rule(
    'MaintainerDeprecated',
    'use LABEL org.opencontainers.image.authors="name" instead',
  ),
  jsonArgsRecommended: rule('JSONArgsRecommended', 'use the exec form: CMD ["executable", "arg"]'),
  multipleInstructions: rule(
    'MultipleInstructionsDisallowed',
    'keep only the last one; the earlier ones have no effect',
  ),
  secrets: rule(
    'SecretsUsedInArgOrEnv',
    'pass secrets with RUN --mount=type=secret instead of ARG or ENV',
  ),
  undefinedVar: rule(
    'UndefinedVar',
    'declare it with ARG or ENV before this line, or fix its name',
  ),
  undefinedArgInFrom: rule('UndefinedArgInFrom', 'declare it with ARG before the first FROM'),
  legacyKeyValue: rule('LegacyKeyValueFormat', 'write key=value instead of "key value"'),
  instructionCasing: rule(
    'ConsistentInstructionCasing',
    'write every instruction keyword in the same case',
  ),
  workdirRelative: rule('WorkdirRelativePath', 'use an absolute path in WORKDIR'),
  redundantPlatform: rule('RedundantTargetPlatform', 'remove --platform=$TARGETPLATFORM'),
  exposeProtoCasing: rule('ExposeProtoCasing', 'write the protocol in lower case (tcp, udp)'),
  exposeFormat: rule('ExposeInvalidFormat', 'EXPOSE only the container port: EXPOSE 80/tcp'),
  unreachableStage: rule(
    'UnreachableStage',
    'remove the stage, use it from the final stage, or build it with --target',
  ),
  unusedBuildArg: rule('UnusedBuildArg', 'declare it with ARG, or stop passing --build-arg'),
} as const;

/** The documentation page of a BuildKit rule. */
export function ruleUrl(name: string): string | undefined {
  const ours = ['UnreachableStage', 'UnusedBuildArg'];
  if (ours.includes(name)) return undefined;
  const slug = name
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .replace(/JSON/, 'json-')
    .toLowerCase();
  return `https://docs.docker.com/go/dockerfile/rule/${slug.replace('--', '-')}/`;
}
