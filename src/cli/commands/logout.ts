import { dockerConfigPath, normalizeHost, removeLogin } from '../../auth/index.js';
import type { CommandModule } from '../context.js';

/** `slipway logout HOST`: forget the saved login, as docker logout does. */
export const logout: CommandModule = (program, context) => {
  program
    .command('logout <host>')
    .description('remove the saved credentials for a registry')
    .action(async (hostText: string) => {
      const host = normalizeHost(hostText);
      const path = dockerConfigPath(context.env);
      const removed = await removeLogin(host, { path, env: context.env });
      context.stdout.write(
        removed ? `Removed login credentials for ${host}\n` : `Not logged in to ${host}\n`,
      );
    });
};
