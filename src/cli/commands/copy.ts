import type { CommandModule } from '../context.js';
import { parseLocation } from '../image-locations.js';
import { type RegistryFlags, registryOptions } from '../registry-flags.js';
import { platformOptions, transfer } from './transfer.js';

/** `slipway copy SRC DST`: registry to registry (mounting within one), or to/from oci:DIR. */
export const copy: CommandModule = (program, context) => {
  const command = program
    .command('copy <source> <destination>')
    .description('copy an image between registries, OCI layouts and the local store');
  registryOptions(platformOptions(command), true).action(
    async (source: string, destination: string, flags: RegistryFlags) => {
      const from = parseLocation(source, 'registry');
      const to = parseLocation(destination, 'registry');
      await transfer(context, flags, from, to, 'latest');
    },
  );
};
