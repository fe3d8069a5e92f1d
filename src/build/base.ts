import { SlipwayError, withContext } from '../errors/index.js';
import {
  type Descriptor,
  type Digest,
  formatPlatform,
  formatReference,
  type ImageConfig,
  type ImageSource,
  normalizePlatform,
  type Platform,
  parseManifest,
  parseReference,
  type RawManifest,
  type Reference,
  selectManifest,
} from '../image/index.js';
import { blobOrigins } from '../registry/index.js';
import { type OciStore, openStore } from '../store/index.js';
import { stepKey } from './cache-key.js';
import type { NamedContext } from './options.js';
import type { ImageState } from './state.js';

// Base images for FROM (and COPY --from / bind mounts of an image): resolved
// to a manifest digest and a config, which is all the cache keys need. Layer
// blobs are fetched into the local store only when a step must run on them
// or the output needs them.

/** Opens a registry repository as an image source. */
export type RegistryOpener = (reference: Reference) => Promise<ImageSource>;

/** A resolved base image. */
export interface BaseImage {
  state: ImageState;
  key: string;
  /** The full reference, for progress lines (`docker.io/library/busybox:latest`). */
  name: string;
  manifestDigest: Digest;
}

/** Resolves base images and fetches their blobs on demand. */
export class BaseImages {
  /** Where each blob not yet in the store can be fetched from. */
  private readonly origins = new Map<string, ImageSource>();
  private readonly pending = new Map<
    string,
    { source: ImageSource; manifest: RawManifest; name: string }
  >();
  /**
   * Blobs being fetched by digest: stages on the same base wait for one
   * download. A multi-platform build gives every platform's BaseImages one map.
   */
  constructor(
    private readonly store: OciStore,
    private readonly openRegistry: RegistryOpener,
    private readonly platform: Platform,
    private readonly pull: boolean,
    private readonly fetching = new Map<string, Promise<void>>(),
  ) {}

  /** Resolve an image reference: the local store first (unless pull), else its registry. */
  async resolve(text: string, platform = this.platform): Promise<BaseImage> {
    const reference = parseReference(text);
    const name = formatReference(reference);
    if (!this.pull) {
      // `-t app` stores the plain name `app`; FROM app finds it as docker does.
      for (const candidate of text.includes('/') ? [name] : [text, name]) {
        const stored = await this.store.resolve(candidate).catch(() => undefined);
        if (!stored) continue;
        const base = await this.load(this.store, stored.digest, name, true, platform);
        // A pulled base is stored as the one platform pulled; another is in the registry.
        if (runsOn(base.state.config, platform)) return base;
        return this.fromRegistry(reference, name, platform).catch((error) => {
          const have = formatPlatform(configPlatform(base.state.config));
          const wanted = formatPlatform(platform);
          const context = `${name}: the stored image is for ${have}, not ${wanted}; pulling`;
          throw withContext(context, error);
        });
      }
    }
    return this.fromRegistry(reference, name, platform);
  }

  private async fromRegistry(reference: Reference, name: string, platform: Platform) {
    const source = await this.openRegistry(reference);
    return this.load(source, reference.digest ?? reference.tag ?? 'latest', name, true, platform);
  }

  /** FROM a name: a named image or OCI layout when one is given, else a reference. */
  async resolveNamed(
    name: string,
    named: NamedContext | undefined,
    platform = this.platform,
  ): Promise<BaseImage> {
    if (named === undefined) return this.resolve(name, platform);
    if (named.kind === 'image') return this.resolve(named.reference, platform);
    if (named.kind === 'oci-layout') {
      const layout = await openStore(named.dir);
      const selector = named.selector ?? (await layout.listTags())[0]?.descriptor.digest;
      if (!selector) {
        throw new SlipwayError(
          'EMPTY_LAYOUT',
          `build context ${name}: ${named.dir} holds no image`,
        );
      }
      return this.load(layout, selector, `oci-layout://${named.dir}`, false, platform);
    }
    throw new SlipwayError('BAD_CONTEXT', `build context ${name} is a directory, not an image`, {
      hint: `use it with COPY --from=${name}, or give docker-image:// or oci-layout://`,
    });
  }

  /** Resolve an image from any source (an OCI layout named by --build-context). */
  async load(
    source: ImageSource,
    selector: string,
    name: string,
    keep = true,
    platform = this.platform,
  ): Promise<BaseImage> {
    let raw = await source.fetchManifest(selector);
    let parsed = parseManifest(raw.bytes, raw.mediaType);
    if (parsed.kind === 'index') {
      let match: Descriptor;
      try {
        match = selectManifest(parsed.manifest, platform);
      } catch (error) {
        throw withContext(name, error);
      }
      raw = await source.fetchManifest(match.digest);
      parsed = parseManifest(raw.bytes, raw.mediaType);
    }
    if (parsed.kind !== 'image') throw new SlipwayError('BAD_MANIFEST', `${name}: nested index`);
    const manifest = parsed.manifest;
    const config = JSON.parse((await readAll(source, manifest.config)).toString()) as ImageConfig;
    const diffIds = config.rootfs?.diff_ids ?? [];
    const layers = manifest.layers.map((descriptor, i) => {
      this.origins.set(descriptor.digest, source);
      return { descriptor, diffId: diffIds[i] as Digest };
    });
    if (keep && source !== this.store)
      this.pending.set(raw.digest, { source, manifest: raw, name });
    const state: ImageState = { config, layers };
    return { state, key: stepKey(null, 'FROM', raw.digest), name, manifestDigest: raw.digest };
  }

  /** Make sure every layer blob of `state` is in the local store. */
  async ensureBlobs(state: ImageState): Promise<void> {
    for (const layer of state.layers) {
      if (await this.store.hasBlob(layer.descriptor)) continue;
      const source = this.origins.get(layer.descriptor.digest);
      if (!source) {
        throw new SlipwayError(
          'BLOB_UNKNOWN',
          `layer ${layer.descriptor.digest} is neither stored nor in a base image of this build`,
          { hint: 'run the build again with --no-cache' },
        );
      }
      await this.fetch(source, layer.descriptor);
    }
    await this.keepPulled();
  }

  /** Store and name the base images whose blobs are now all here, for the next build. */
  private async keepPulled(): Promise<void> {
    for (const [digest, { source, manifest, name }] of this.pending) {
      const parsed = parseManifest(manifest.bytes, manifest.mediaType);
      if (parsed.kind !== 'image') continue;
      const blobs: Descriptor[] = [parsed.manifest.config, ...parsed.manifest.layers];
      let complete = true;
      for (const blob of blobs) {
        if (await this.store.hasBlob(blob)) continue;
        if (blob === parsed.manifest.config) await this.fetch(source, blob);
        else complete = false;
      }
      if (!complete) continue;
      this.pending.delete(digest);
      await this.store.pushManifest(manifest, name);
    }
  }

  /** Store a blob of a base image with where it came from, so a push can mount it. */
  private fetch(source: ImageSource, descriptor: Descriptor): Promise<void> {
    let fetched = this.fetching.get(descriptor.digest);
    if (!fetched) {
      fetched = (async () => {
        await this.store.writeBlob(await source.fetchBlob(descriptor), descriptor);
        await this.store.recordBlobSources(descriptor.digest, blobOrigins(source));
      })().finally(() => this.fetching.delete(descriptor.digest));
      this.fetching.set(descriptor.digest, fetched);
    }
    return fetched;
  }
}

/** The platform an image's config names, normalised (x86_64 is amd64). */
export function configPlatform(config: ImageConfig): Platform {
  const { os, architecture, variant } = config;
  return normalizePlatform({ os, architecture, ...(variant ? { variant } : {}) });
}

/** Whether an image's config is for the OS and architecture of `platform`. */
export function runsOn(config: ImageConfig, platform: Platform): boolean {
  const have = configPlatform(config);
  const want = normalizePlatform(platform);
  return have.os === want.os && have.architecture === want.architecture;
}

async function readAll(source: ImageSource, descriptor: Descriptor): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await source.fetchBlob(descriptor)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
