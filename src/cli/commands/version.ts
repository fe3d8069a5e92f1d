import { readFileSync } from 'node:fs';
import type { CommandModule } from '../context.js';

export function packageVersion(): string {
  const url = new URL('../../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

export const version: CommandModule = (program, context) => {
  program
    .command('version')
    .description('print the slipway version')
    .action(() => {
      context.stdout.write(`slipway ${packageVersion()}\n`);
    });
};
