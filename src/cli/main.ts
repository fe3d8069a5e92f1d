import { Command, CommanderError } from 'commander';
import { lineFor } from '../util/ansi.js';
import { loadCommands } from './commands/index.js';
import { packageVersion } from './commands/version.js';
import { makeContext } from './context.js';
import { describeFailure, EXIT_USAGE, ReportedError } from './exit.js';

/** Run the CLI with the given arguments; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const context = makeContext(argv);
  const program = new Command('slipway')
    .description('daemonless container image builds, registry transfers and CI pipelines')
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError();
  for (const register of await loadCommands(argv)) register(program, context);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ReportedError) return error.status;
    const { status, text } = describeFailure(error);
    context.stderr.write(`${context.masker.mask(lineFor(context.stderr)(text))}\n`);
    return status;
  }
}
