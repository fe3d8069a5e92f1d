import { resolve } from 'node:path';
import { InputError, UsageError } from '../../errors/index.js';
import {
  artifactConfigPath,
  loadRepositoryConfigs,
  openRepository,
} from '../../pipeline/artifact-repository-config.js';
import { loadCredentials } from '../../pipeline/credentials.js';
import { ociOpener } from '../../steps/artifact-repository-oci-open.js';
import { slipwayHome, statePaths } from '../../util/paths.js';
import type { CliContext, CommandModule } from '../context.js';

// `slipway artifacts list [REPO]` and `slipway artifacts get REPO NAME [VERSION] -o FILE`:
// what the publish steps stored, for a person to see and fetch.

interface ConfigOptions {
  artifactConfig?: string;
  credentials?: string;
}

/** The OCI opener, with the accounts of --credentials (their secrets masked). */
async function opener(context: CliContext, options: ConfigOptions) {
  if (!options.credentials) return ociOpener(slipwayHome(context.env), context.env);
  const file = resolve(options.credentials);
  const store = await loadCredentials(file);
  for (const secret of store.secrets()) context.masker.add(secret);
  return ociOpener(slipwayHome(context.env), context.env, (id) => {
    const found = store.get(id);
    if (!found) throw new InputError('CREDENTIAL', `${file} has no credential "${id}"`);
    return found;
  });
}

async function repositories(context: CliContext, options: ConfigOptions) {
  const home = statePaths(slipwayHome(context.env)).home;
  const file = options.artifactConfig ?? artifactConfigPath(home);
  return loadRepositoryConfigs(file, home);
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
    .option('--credentials <file>', 'accounts named by credential: in that file')
    .action(async (repository: string | undefined, options: ConfigOptions) => {
      const configs = await repositories(context, options);
      const open = await opener(context, options);
      const names = repository ? [repository] : [...configs.keys()];
      const rows = [['REPOSITORY', 'NAME', 'VERSION', 'SIZE', 'SHA256', 'CREATED']];
      for (const name of names) {
        const repo = openRepository(configs, name, open);
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
    .option('--credentials <file>', 'accounts named by credential: in that file')
    .action(async (repository: string, name: string, version: string | undefined, options) => {
      const opts = options as ConfigOptions & { output: string };
      if (!opts.output) throw new UsageError('artifacts get needs -o FILE');
      const open = await opener(context, opts);
      const repo = openRepository(await repositories(context, opts), repository, open);
      const got = await repo.fetch(name, version ?? 'latest', resolve(opts.output));
      context.stdout.write(`${repository} ${name} ${got.version} sha256:${got.sha256}\n`);
    });
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return rows.map((row) => `${line(row).trimEnd()}\n`).join('');
}
