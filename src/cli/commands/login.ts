import { dockerConfigPath, normalizeHost, saveLogin, staticCredentials } from '../../auth/index.js';
import { UsageError } from '../../errors/index.js';
import { RegistryConnection } from '../../registry/index.js';
import type { CommandModule } from '../context.js';
import { clientOptions, type RegistryFlags, registryOptions } from '../registry-flags.js';

interface LoginFlags extends RegistryFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `slipway login HOST -u USER --password-stdin`: check the login, then save it like docker. */
export const login: CommandModule = (program, context) => {
  const command = program
    .command('login <host>')
    .description('log in to a registry and save the credentials in docker config.json')
    .option('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin');
  registryOptions(command, false).action(async (hostText: string, flags: LoginFlags) => {
    const host = normalizeHost(hostText);
    if (!flags.username) throw new UsageError('login needs --username');
    if (flags.password !== undefined && flags.passwordStdin) {
      throw new UsageError('--password and --password-stdin cannot be used together');
    }
    const password = flags.passwordStdin ? await readStdin() : flags.password;
    if (!password) throw new UsageError('login needs a password: --password-stdin or --password');
    context.masker.add(password);
    const credential = { username: flags.username, password };
    const options = await clientOptions(context, flags, host, 'one');
    const connection = new RegistryConnection(host, {
      ...options,
      credentials: staticCredentials({ [host]: credential }),
    });
    await connection.checkLogin();
    const path = dockerConfigPath(context.env);
    const where = await saveLogin(host, credential, { path, env: context.env });
    const place = where === 'helper' ? 'the credential helper' : path;
    context.stdout.write(`Login Succeeded (saved in ${place})\n`);
  });
};
