import { resolve } from 'node:path';
import { UsageError } from '../../errors/index.js';
import { slipwayHome, statePaths } from '../../util/paths.js';
import type { CliContext, CommandModule } from '../context.js';

// `slipway artifacts list [REPO]` and `slipway artifacts get REPO NAME [VERSION] -o FILE`:
// what the publish steps stored, for a person to see and fetch.

interface ConfigOptions {
  artifactConfig?: string;
}

/** The configured repositories, and how to open one; loaded on use (YAML is slow to load). */
async function repositories(context: CliContext, options: ConfigOptions) {
  const config = await import('../../pipeline/artifact-repository-config.js');
  const home = statePaths(slipwayHome(context.env)).home;
  const file = options.artifactConfig ?? config.artifactConfigPath(home);
  const configs = await config.loadRepositoryConfigs(file, home);
  return { configs, open: (name: string) => config.openRepository(configs, name) };
}

/** The `artifacts` command group. */
export const artifacts: CommandModule = (program, context) => {
  const group = program
    .command('artifacts')
    .description('list and fetch artifacts stored by publish steps');

  group
    .command('list [repository]')
    .description('list stored artifacts and their versions')
    .option('--artifact-config <file>', 'artifact repositories config file')
    .action(async (repository: string | undefined, options: ConfigOptions) => {
      const { configs, open } = await repositories(context, options);
      const names = repository ? [repository] : [...configs.keys()];
      const rows = [['REPOSITORY', 'NAME', 'VERSION', 'SIZE', 'SHA256', 'CREATED']];
      for (const name of names) {
        const repo = open(name);
        for (const artifact of await repo.names()) {
          for (const v of await repo.versions(artifact)) {
            rows.push([
              name,
              artifact,
              v.version,
              String(v.size),
              v.sha256.slice(0, 12),
              v.created,
            ]);
          }
        }
      }
      context.stdout.write(table(rows));
    });

  group
    .command('get <repository> <name> [version]')
    .description('copy one version (default latest) of an artifact to a file')
    .requiredOption('-o, --output <file>', 'where to write the tar.gz')
    .option('--artifact-config <file>', 'artifact repositories config file')
    .action(async (repository: string, name: string, version: string | undefined, options) => {
      const opts = options as ConfigOptions & { output: string };
      if (!opts.output) throw new UsageError('artifacts get needs -o FILE');
      const repo = (await repositories(context, opts)).open(repository);
      const got = await repo.fetch(name, version ?? 'latest', resolve(opts.output));
      context.stdout.write(`${repository} ${name} ${got.version} sha256:${got.sha256}\n`);
    });
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return rows.map((row) => `${line(row).trimEnd()}\n`).join('');
}
