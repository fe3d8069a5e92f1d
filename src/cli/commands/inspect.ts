import { InputError } from '../../errors/index.js';
import { type Descriptor, parseManifest } from '../../image/index.js';
import { hostPlatform } from '../../image/platform.js';
import { ConnectionPool, pickPlatform } from '../../registry/index.js';
import type { CommandModule } from '../context.js';
import { parseLocation, withSource } from '../image-locations.js';
import { platformChoice, type RegistryFlags, registryOptions } from '../registry-flags.js';
import { platformOptions } from './transfer.js';

interface InspectFlags extends RegistryFlags {
  raw?: boolean;
  config?: boolean;
}

/** `slipway inspect REF [--raw] [--config]`: manifest and config as JSON. */
export const inspect: CommandModule = (program, context) => {
  const command = program
    .command('inspect <reference>')
    .description('show an image: its manifest and config, as JSON')
    .option('--raw', 'print the manifest exactly as stored')
    .option('--config', 'print only the image config');
  registryOptions(platformOptions(command), false).action(
    async (reference: string, flags: InspectFlags) => {
      const access = { context, flags, pool: new ConnectionPool() };
      const location = parseLocation(reference, 'registry');
      await withSource(location, access, 'one', async ({ source, selector, name }) => {
        const root = await source.fetchManifest(selector);
        if (flags.raw) {
          context.stdout.write(root.bytes);
          if (!root.bytes.toString('utf8').endsWith('\n')) context.stdout.write('\n');
          return;
        }
        let image = root;
        let parsed = parseManifest(root.bytes, root.mediaType);
        const report: Record<string, unknown> = { name };
        if (parsed.kind === 'index') {
          report.index = {
            digest: root.digest,
            mediaType: root.mediaType,
            manifest: parsed.manifest,
          };
          const choice = platformChoice(flags);
          if (choice === 'all') {
            context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
            return;
          }
          const child = pickPlatform(parsed, choice ?? hostPlatform(), selector);
          image = await source.fetchManifest(child.digest);
          parsed = parseManifest(image.bytes, image.mediaType);
        }
        if (parsed.kind !== 'image') {
          throw new InputError(
            'NESTED_INDEX',
            `${name}: the platform entry is an index; use --raw`,
          );
        }
        const configDescriptor: Descriptor = parsed.manifest.config;
        const configStream = await source.fetchBlob(configDescriptor);
        const chunks: Buffer[] = [];
        for await (const chunk of configStream) chunks.push(chunk as Buffer);
        const config = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        if (flags.config) {
          context.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
          return;
        }
        Object.assign(report, {
          digest: image.digest,
          mediaType: image.mediaType,
          manifest: parsed.manifest,
          config,
        });
        context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      });
    },
  );
};
