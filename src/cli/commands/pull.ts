import { formatReference, parseReference } from '../../image/reference.js';
import type { CommandModule } from '../context.js';
import { type ImageLocation, parseLocation } from '../image-locations.js';
import { type RegistryFlags, registryOptions } from '../registry-flags.js';
import { platformOptions, transfer } from './transfer.js';

/** `slipway pull REF [--output oci:DIR[:TAG]]`: into the local store unless told. */
export const pull: CommandModule = (program, context) => {
  const command = program
    .command('pull <reference>')
    .description('pull an image from a registry into the local store or an OCI layout')
    .option('-o, --output <location>', 'oci:DIR[:TAG] instead of the local store');
  registryOptions(platformOptions(command), false).action(
    async (reference: string, flags: RegistryFlags & { output?: string }) => {
      const ref = parseReference(reference);
      const to: ImageLocation = flags.output
        ? parseLocation(flags.output, 'store')
        : { kind: 'store', name: formatReference(ref) };
      await transfer(context, flags, { kind: 'registry', ref }, to, ref.tag ?? 'latest');
    },
  );
};
