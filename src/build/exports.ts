import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Descriptor,
  digestEncoded,
  type Platform,
  parseReference,
  platformName,
  type RawManifest,
} from '../image/index.js';
import { applyLayer } from '../layer/index.js';
import type { Emit } from '../log/index.js';
import { copyImage, distributable, type ExportCompression } from '../registry/index.js';
import { type OciStore, openStore } from '../store/index.js';
import { currentUserNamespace } from '../util/userns.js';
import type { BuildOutput } from './options.js';
import type { StoredImage } from './output.js';
import type { Progress } from './progress.js';
import type { RegistryAccess } from './registry-access.js';
import { createTar } from './tar-out.js';

// Outputs of a build, each copied from the image in the local store: tags in
// the store, a push to registries, an OCI layout, a docker-archive tar (for
// `docker load`), a plain directory or a tar of the filesystem.

/** Everything an output needs. */
export interface ExportContext {
  store: OciStore;
  /** The image, or the index of the images when there are several platforms. */
  root: Descriptor;
  images: { platform: Platform; image: StoredImage }[];
  tags: string[];
  registries: RegistryAccess;
  progress: Progress;
  tempDir: string;
  /** Where a tarball with dest `-` goes. */
  stdout?: NodeJS.WritableStream;
  /** The image made ready to send, by compression (see readyToSend). */
  sendable: Map<ExportCompression, Promise<RawManifest>>;
  /** Ctrl-C: stops an output between blobs, before any manifest of it is written. */
  signal?: AbortSignal;
}

/** What an output sent: the references pushed, and the root written when it differs. */
export interface Exported {
  references: string[];
  /** The manifest or index as pushed or exported, its layers compressed. */
  root?: Descriptor;
}

/** Send the image to one output. */
export async function exportImage(output: BuildOutput, context: ExportContext): Promise<Exported> {
  const { store, root, tags, progress } = context;
  context.signal?.throwIfAborted();
  switch (output.type) {
    case 'store':
      for (const tag of tags) await store.tag(storeTagName(tag), root);
      return { references: [] };
    case 'registry':
      return pushAll(context, output.compression ?? 'gzip');
    case 'oci': {
      const sent = await progress.run(`exporting to oci layout ${shown(output.dest)}`, () =>
        exportLayout(context, output, output.compression ?? 'gzip'),
      );
      return { references: [], root: sent };
    }
    case 'docker':
      await progress.run(`exporting to docker archive ${shown(output.dest)}`, () =>
        exportDockerArchive(context, output.dest, output.tar !== false),
      );
      return { references: [] };
    case 'local':
      await progress.run(`exporting files to ${output.dest}`, () =>
        exportFiles(context, output.dest),
      );
      return { references: [] };
    case 'tar':
      await progress.run(`exporting files to ${shown(output.dest)}`, () =>
        exportFilesTar(context, output.dest),
      );
      return { references: [] };
  }
}

async function pushAll(context: ExportContext, compression: ExportCompression): Promise<Exported> {
  const pushed: string[] = [];
  let sent: Descriptor | undefined;
  for (const tag of context.tags) {
    const reference = parseReference(tag);
    const name = `${reference.registry}/${reference.repository}:${reference.tag ?? 'latest'}`;
    await context.progress.run(`pushing ${name}`, async (step) => {
      const emit = (event: Parameters<typeof step.event>[0]) => step.event(event);
      const ready = await readyToSend(context, compression, emit);
      const target = context.registries.push(reference);
      // Every platform's manifest (and its blobs) goes before the index that lists them.
      const result = await copyImage(context.store, target, ready.digest, {
        tag: reference.tag ?? 'latest',
        platform: 'all',
        signal: context.signal,
        emit,
      });
      const { copied, mounted, skipped } = result.blobs;
      step.output(`${copied} blobs pushed, ${mounted} mounted, ${skipped} present`);
      sent = result.descriptor;
    });
    pushed.push(name);
  }
  return { references: pushed, root: sent };
}

/**
 * The image with its plain layers compressed, stored and ready to copy; made
 * once per compression, so several tags or outputs compress a layer once.
 */
function readyToSend(
  context: ExportContext,
  compression: ExportCompression,
  emit?: Emit,
): Promise<RawManifest> {
  const made = context.sendable.get(compression);
  if (made) return made;
  const making = context.store
    .fetchManifest(context.root.digest)
    .then((root) => distributable(context.store, root, compression, emit, context.signal));
  context.sendable.set(compression, making);
  return making;
}

/** An OCI layout: a tarball at dest (or stdout), or with tar=false the folder dest. */
async function exportLayout(
  context: ExportContext,
  { dest, tar }: { dest: string; tar?: boolean },
  compression: ExportCompression,
): Promise<Descriptor> {
  const asTar = tar !== false;
  const dir = asTar ? await mkdtemp(join(context.tempDir, 'layout-')) : dest;
  const layout = await openStore(dir);
  const ready = await readyToSend(context, compression);
  // As BuildKit's oci exporter: the layout names the image by its tag.
  const names = context.tags.length > 0 ? context.tags.map(tagOf) : ['latest'];
  let sent: Descriptor | undefined;
  for (const name of names) {
    const result = await copyImage(context.store, layout, ready.digest, {
      tag: name,
      platform: 'all',
      signal: context.signal,
    });
    sent = result.descriptor;
  }
  await dropStoreTemp(dir);
  context.signal?.throwIfAborted();
  if (asTar) await tarLayout(dir, dest, context.stdout);
  return sent as Descriptor;
}

/** The store's own temp folder is no part of an OCI layout handed to a user. */
async function dropStoreTemp(dir: string): Promise<void> {
  await rm(join(dir, '.tmp'), { recursive: true, force: true });
}

/** Tar a layout made in a private temp folder, its root readable as docker save's is. */
async function tarLayout(dir: string, dest: string, stdout?: NodeJS.WritableStream) {
  await chmod(dir, 0o755);
  await createTar(['-C', dir, '.'], dest, stdout);
}

/** What progress lines call a dest: `-` is stdout. */
function shown(dest: string): string {
  return dest === '-' ? 'stdout' : dest;
}

/** A docker archive (`docker load`): a tarball, or with tar=false its folder at dest. */
async function exportDockerArchive(context: ExportContext, dest: string, asTar: boolean) {
  // checkOutputs refuses a docker archive of several platforms before the build.
  const { image } = context.images[0] as ExportContext['images'][number];
  const dir = asTar ? await mkdtemp(join(context.tempDir, 'docker-')) : dest;
  const layout = await openStore(dir);
  await copyImage(context.store, layout, image.manifestDigest, { signal: context.signal });
  const path = (digest: string) => `blobs/sha256/${digestEncoded(digest as never)}`;
  const manifest = [
    {
      Config: path(image.configDigest),
      RepoTags: context.tags.map((t) => {
        const ref = parseReference(t);
        return `${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`;
      }),
      Layers: image.manifest.layers.map((l) => path(l.digest)),
    },
  ];
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await dropStoreTemp(dir);
  if (!asTar) return;
  context.signal?.throwIfAborted();
  await tarLayout(dir, dest, context.stdout);
  await rm(dir, { recursive: true, force: true });
}

/** The files of the image; with several platforms one folder each (`linux_arm64`), as buildx. */
async function exportFiles(context: ExportContext, dest: string): Promise<void> {
  const several = context.images.length > 1;
  // Rootless, the files are the user's own (as docker build's client writes
  // them), not the subordinate ids the user could not remove again.
  const owners = currentUserNamespace() === undefined;
  for (const { platform, image } of context.images) {
    const name = platformName(platform).replaceAll('/', '_');
    const dir = several ? join(dest, name) : dest;
    await mkdir(dir, { recursive: true });
    for (const layer of image.manifest.layers) {
      await applyLayer(await context.store.fetchBlob(layer), dir, { whiteouts: 'apply', owners });
    }
  }
}

/**
 * The image's files as one tar: entries sorted by name and no entry for the root
 * (its mode and time would be the temp folder's), so the same image gives the same tar.
 */
async function exportFilesTar(context: ExportContext, dest: string): Promise<void> {
  const dir = await mkdtemp(join(context.tempDir, 'files-'));
  await exportFiles(context, dir);
  const entries = (await readdir(dir)).sort().map((name) => `./${name}`);
  const files = entries.length > 0 ? ['--', ...entries] : ['-T', '/dev/null'];
  await createTar(['--numeric-owner', '--sort=name', '-C', dir, ...files], dest, context.stdout);
  await rm(dir, { recursive: true, force: true });
}

/** A plain name (`app`) stays as given; anything else is stored as a full reference. */
export function storeTagName(tag: string): string {
  // Checked as a reference first, as docker build -t does: `MyApp` is no valid name.
  const reference = parseReference(tag);
  if (/^[a-z0-9][a-z0-9._-]*$/.test(tag)) return tag;
  return `${reference.registry}/${reference.repository}:${reference.tag ?? 'latest'}`;
}

function tagOf(name: string): string {
  return parseReference(name).tag ?? 'latest';
}
