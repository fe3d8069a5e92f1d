import { type ImageConfig, parseManifest } from '../../image/index.js';
import { type OciStore, openStore, type StoreTag } from '../../store/index.js';
import type { CommandModule } from '../context.js';
import { localStore } from '../image-locations.js';

interface ImagesFlags {
  quiet?: boolean;
}

/** One line of the listing. */
interface Row {
  name: string;
  digest: string;
  created: string;
  size: string;
}

/** `slipway images [-q]`: the names in the local store, as docker images lists them. */
export const images: CommandModule = (program, context) => {
  program
    .command('images')
    .description('list the images in the local store')
    .option('-q, --quiet', 'print only the digests, one per image')
    .action(async (flags: ImagesFlags) => {
      const store = await openStore(localStore(context));
      const tags = await store.listTags();
      if (flags.quiet) {
        const digests = new Set(tags.map((tag) => tag.descriptor.digest));
        for (const digest of digests) context.stdout.write(`${digest}\n`);
        return;
      }
      const rows = [{ name: 'NAME', digest: 'DIGEST', created: 'CREATED', size: 'SIZE' }];
      for (const tag of tags) rows.push(await describe(store, tag));
      context.stdout.write(table(rows));
    });
};

/** The digest, creation time and size (config and layers, compressed) of a stored name. */
async function describe(store: OciStore, { name, descriptor }: StoreTag): Promise<Row> {
  const digest = descriptor.digest.slice(0, 19);
  const bytes = await store.readBlob(descriptor);
  const parsed = parseManifest(bytes, descriptor.mediaType);
  if (parsed.kind === 'index') {
    const count = parsed.manifest.manifests.length;
    return { name, digest, created: '-', size: `index of ${count}` };
  }
  const { config, layers } = parsed.manifest;
  const image = await store
    .readBlob(config)
    .then((bytes) => JSON.parse(bytes.toString()) as ImageConfig)
    .catch(() => undefined);
  const total = [config, ...layers].reduce((sum, blob) => sum + blob.size, 0);
  const created = image?.created?.replace('T', ' ').slice(0, 16) ?? '-';
  return { name, digest, created, size: humanSize(total) };
}

/** Bytes as docker prints them: 1000-based units, three significant digits. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))} ${units[unit]}`;
}

function table(rows: Row[]): string {
  const width = (key: keyof Row) => Math.max(...rows.map((row) => row[key].length));
  const [name, digest, created] = [width('name'), width('digest'), width('created')];
  return rows
    .map((row) =>
      [row.name.padEnd(name), row.digest.padEnd(digest), row.created.padEnd(created), row.size]
        .join('   ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
