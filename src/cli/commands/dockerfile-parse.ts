import { Option } from 'commander';
import { dumpAst, parseDockerfile } from '../../dockerfile/index.js';
import { parseAst } from '../../dockerfile/parser.js';
import type { CommandModule } from '../context.js';
import { readDockerfile } from './dockerfile.js';

/** `slipway dockerfile parse FILE [--format json|tree]`. */
export const dockerfileParse: CommandModule = (group, context) => {
  group
    .command('parse')
    .description('print the typed instructions (json) or the raw parse (tree)')
    .argument('<file>', 'the Dockerfile, or - for stdin')
    .addOption(
      new Option('--format <format>', 'output format').choices(['json', 'tree']).default('json'),
    )
    .action((file: string, options: { format: 'json' | 'tree' }) => {
      const text = readDockerfile(file);
      if (options.format === 'tree') {
        context.stdout.write(dumpAst(parseAst(text, file).ast));
        return;
      }
      const { ast: _ast, ...parsed } = parseDockerfile(text, { file });
      context.stdout.write(`${JSON.stringify(parsed, null, 2)}\n`);
    });
};
