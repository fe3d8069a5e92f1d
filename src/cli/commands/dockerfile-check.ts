import { Option } from 'commander';
import { lintDockerfile, parseCheckDirective } from '../../dockerfile/checks.js';
import { parseDockerfile, type Warning } from '../../dockerfile/index.js';
import { InputError } from '../../errors/index.js';
import { splitBuildArg } from '../build/flags.js';
import type { CommandModule } from '../context.js';
import { readDockerfile } from './dockerfile.js';

function line(warning: Warning): string {
  const { file, line: at, column } = warning.location;
  return `${file}:${at}:${column}: ${warning.rule}: ${warning.message}\n  fix: ${warning.fix}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `slipway dockerfile check FILE [--format json]`: warnings; non-zero on errors. */
export const dockerfileCheck: CommandModule = (group, context) => {
  group
    .command('check')
    .description(
      'run the build checks; exits non-zero on a parse error or, with check=error=true, on a warning',
    )
    .argument('<file>', 'the Dockerfile, or - for stdin')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .option('--build-arg <name=value>', 'a build argument (repeatable)', collect, [])
    .option('--target <stage>', 'the stage to build')
    .action((file: string, options: { format: string; buildArg: string[]; target?: string }) => {
      const parsed = parseDockerfile(readDockerfile(file), { file });
      const buildArgs = new Map(
        options.buildArg.map((arg): [string, string] => {
          const [name, value] = splitBuildArg(arg);
          return [name, value ?? ''];
        }),
      );
      // A check covers every stage, as BuildKit's lint does, not only the target's.
      const warnings = lintDockerfile(parsed, { buildArgs, target: options.target });
      if (options.format === 'json') context.stdout.write(`${JSON.stringify(warnings, null, 2)}\n`);
      else for (const warning of warnings) context.stdout.write(line(warning));
      if (warnings.length > 0 && parseCheckDirective(parsed.directives.check).error) {
        throw new InputError('DOCKERFILE_CHECK', `${warnings.length} check(s) failed`, {
          hint: 'the file sets # check=error=true',
        });
      }
    });
};
