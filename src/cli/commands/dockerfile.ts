import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import type { CommandModule } from '../context.js';
import { dockerfileCheck } from './dockerfile-check.js';
import { dockerfileParse } from './dockerfile-parse.js';

/** Reads a Dockerfile named on the command line (`-` for stdin). */
export function readDockerfile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code;
    throw new UsageError(`reading ${file}: ${why ?? (error as Error).message}`, {
      cause: error,
      hint: 'name the Dockerfile itself (or - to read it from stdin)',
    });
  }
}

/** `slipway dockerfile parse|check FILE`: the Dockerfile front end on its own. */
export const dockerfile: CommandModule = (program, context) => {
  const group = program
    .command('dockerfile')
    .description('parse and check Dockerfiles without building them');
  dockerfileParse(group, context);
  dockerfileCheck(group, context);
};
