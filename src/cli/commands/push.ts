import { parseReference } from '../../image/reference.js';
import type { CommandModule } from '../context.js';
import { parseLocation } from '../image-locations.js';
import { type RegistryFlags, registryOptions } from '../registry-flags.js';
import { platformOptions, transfer } from './transfer.js';

/** `slipway push SRC REF`: SRC is oci:DIR[:TAG] or a name in the local store. */
export const push: CommandModule = (program, context) => {
  const command = program
    .command('push <source> <reference>')
    .description('push an image from an OCI layout or the local store to a registry');
  registryOptions(platformOptions(command), false).action(
    async (source: string, reference: string, flags: RegistryFlags) => {
      const from = parseLocation(source, 'store');
      const ref = parseReference(reference);
      const choice = flags.platform ? flags : { all: true, ...flags };
      await transfer(context, choice, from, { kind: 'registry', ref }, 'latest');
    },
  );
};
