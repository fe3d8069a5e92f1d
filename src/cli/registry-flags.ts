import type { Command } from 'commander';
import {
  type CredentialSource,
  chainCredentials,
  dockerConfigCredentials,
  dockerConfigPath,
  environmentCredentials,
  staticCredentials,
} from '../auth/index.js';
import { UsageError } from '../errors/index.js';
import { type Platform, parsePlatform } from '../image/platform.js';
import {
  type ClientOptions,
  type ConnectionPool,
  loadSettings,
  type RegistryHostSettings,
} from '../registry/index.js';
import { slipwayHome, statePaths } from '../util/paths.js';
import type { CliContext } from './context.js';

// The flags every registry command shares, and what they turn into: a
// credential source per side (source, destination) and registry settings.

/** Registry flags as commander parses them. */
export interface RegistryFlags {
  creds?: string;
  srcCreds?: string;
  destCreds?: string;
  tlsVerify?: boolean;
  insecure?: boolean;
  caFile?: string;
  registriesConfig?: string;
  platform?: string;
  all?: boolean;
  progress?: string;
}

/** Add the shared registry flags to a command. */
export function registryOptions(command: Command, sides: boolean): Command {
  command
    .option('--creds <user:password>', 'credentials for the registry')
    .option('--tls-verify <bool>', 'verify TLS certificates (false: do not)', parseBool)
    .option('--insecure', 'allow plain HTTP and unverified TLS')
    .option('--ca-file <file>', 'PEM file of CAs to trust for the registry')
    .option('--registries-config <file>', 'registry settings (insecure, CA, mirrors) JSON file')
    .option('--progress <mode>', 'auto, plain, json or quiet', 'auto');
  if (sides) {
    command
      .option('--src-creds <user:password>', 'credentials for the source registry')
      .option('--dest-creds <user:password>', 'credentials for the destination registry');
  }
  return command;
}

function parseBool(value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`--tls-verify takes true or false, not ${JSON.stringify(value)}`);
}

/** `user:password` from a flag; the password is masked from then on. */
export function parseCreds(
  context: CliContext,
  flag: string,
  value: string,
): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new UsageError(`${flag} takes user:password`);
  const password = value.slice(colon + 1);
  context.masker.add(password);
  return { username: value.slice(0, colon), password };
}

/** Client options for one side of a transfer: `creds` for `host`, then env and config.json. */
export async function clientOptions(
  context: CliContext,
  flags: RegistryFlags,
  host: string,
  side: 'src' | 'dest' | 'one',
  pool?: ConnectionPool,
): Promise<ClientOptions> {
  const sideCreds = side === 'src' ? flags.srcCreds : side === 'dest' ? flags.destCreds : undefined;
  const given = sideCreds ?? flags.creds;
  const sources: CredentialSource[] = [];
  if (given) {
    const flag = sideCreds ? `--${side}-creds` : '--creds';
    sources.push(staticCredentials({ [host]: parseCreds(context, flag, given) }));
  }
  sources.push(environmentCredentials(context.env));
  maskEnvironmentSecrets(context);
  sources.push(dockerConfigCredentials({ path: dockerConfigPath(context.env), env: context.env }));
  const home = statePaths(slipwayHome(context.env));
  const settings = await loadSettings(flags.registriesConfig ?? home.registriesConfig);
  const overrides: RegistryHostSettings = {};
  if (flags.insecure) overrides.insecure = true;
  if (flags.tlsVerify === false) overrides.tlsVerify = false;
  if (flags.caFile) overrides.caFile = flags.caFile;
  const emit = context.events((flags.progress ?? 'auto') as 'auto');
  return { credentials: chainCredentials(...sources), settings, overrides, emit, pool };
}

function maskEnvironmentSecrets(context: CliContext): void {
  for (const [name, value] of Object.entries(context.env)) {
    if (!value) continue;
    if (name === 'SLIPWAY_REGISTRY_PASSWORD') context.masker.add(value);
    if (name.startsWith('SLIPWAY_AUTH_')) context.masker.add(value.slice(value.indexOf(':') + 1));
  }
}

/** The platform flags: one platform, every platform, or undefined (this machine's). */
export function platformChoice(flags: RegistryFlags): Platform | 'all' | undefined {
  if (flags.all) return 'all';
  return flags.platform ? parsePlatform(flags.platform) : undefined;
}
