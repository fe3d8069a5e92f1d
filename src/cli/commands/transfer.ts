import type { Command } from 'commander';
import { ConnectionPool, copyImage, distributable } from '../../registry/index.js';
import { OciStore } from '../../store/index.js';
import type { CliContext } from '../context.js';
import { type ImageLocation, openTarget, withSource } from '../image-locations.js';
import { platformChoice, type RegistryFlags } from '../registry-flags.js';

// What pull, push and copy share: open both ends, copy, print the digest.

/** Copy the image at `from` to `to`; prints the digest written on stdout. */
export async function transfer(
  context: CliContext,
  flags: RegistryFlags,
  from: ImageLocation,
  to: ImageLocation,
  fallbackTag: string,
): Promise<void> {
  const access = { context, flags, pool: new ConnectionPool() };
  await withSource(from, access, 'src', async ({ source, selector, name }) => {
    const { target, tag, name: targetName } = await openTarget(to, access, 'dest', fallbackTag);
    const emit = context.events((flags.progress ?? 'auto') as 'auto');
    // Out of the store, a build's plain-tar layers go compressed (once: the store keeps
    // the compressed blob).
    const sent =
      from.kind === 'store' && to.kind !== 'store' && source instanceof OciStore
        ? (await distributable(source, await source.fetchManifest(selector), 'gzip', emit)).digest
        : selector;
    const result = await copyImage(source, target, sent, {
      tag,
      platform: platformChoice(flags),
      // Pulls into the local store remember where each blob came from, for mounts.
      recordSources: to.kind === 'store',
      emit,
    });
    const { copied, skipped, mounted } = result.blobs;
    emit({
      kind: 'copy.done',
      level: 'info',
      message: `${name} -> ${targetName}: ${copied} blobs copied, ${mounted} mounted, ${skipped} already there`,
      digest: result.descriptor.digest,
    });
    context.stdout.write(`${result.descriptor.digest}\n`);
  });
}

/** The flags for choosing platforms from an index. */
export function platformOptions(command: Command): Command {
  return command
    .option('--platform <os/arch[/variant]>', 'the platform to pick from an index')
    .option('--all', 'copy every platform of an index');
}
