import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OciStore } from '../store/index.js';
import { writeFileAtomic } from '../util/fs.js';
import type { ImageState } from './state.js';

// The build cache: the image state after each step, by step key, in
// `<cache>/steps/<key hex>.json`. The layer blobs live in the local store;
// an entry whose new layer is gone from the store counts as a miss. Within
// one build a step runs once per key: a twin waits for it, then hits.

const ENTRY_VERSION = 1;

interface CacheEntry {
  version: number;
  key: string;
  state: ImageState;
}

/** Step results by cache key. */
export class BuildCache {
  /** Steps of this build running now, by key, each with what ends its wait. */
  private readonly running = new Map<string, { done: Promise<void>; finish: () => void }>();
  /** What this build's steps produced, by key (--no-cache still runs a step once a build). */
  private readonly built = new Map<string, ImageState>();

  constructor(
    private readonly dir: string,
    private readonly store: OciStore,
  ) {}

  /** The state a step produced before, if its layers are all still stored. */
  async get(key: string, parentLayers: number): Promise<ImageState | undefined> {
    let entry: CacheEntry;
    try {
      entry = JSON.parse(await readFile(this.path(key), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
    if (entry.version !== ENTRY_VERSION || entry.key !== key) return undefined;
    // Layers below the parent's count may come from a base image not pulled yet.
    for (const layer of entry.state.layers.slice(parentLayers)) {
      if (!(await this.store.hasBlob(layer.descriptor))) return undefined;
    }
    return entry.state;
  }

  /** The state a step of this build produced, ignoring what earlier builds kept. */
  builtNow(key: string): ImageState | undefined {
    return this.built.get(key);
  }

  async put(key: string, state: ImageState): Promise<void> {
    this.built.set(key, state);
    const entry: CacheEntry = { version: ENTRY_VERSION, key, state };
    await writeFileAtomic(this.path(key), JSON.stringify(entry));
    this.running.get(key)?.finish();
    this.running.delete(key);
  }

  /**
   * Claim a step that missed the cache, to run it. When a step with the same key is
   * running in this build (the same stage for another platform), wait until it is put
   * (or the build stops) and resolve to false: look it up again instead of running it.
   */
  async claim(key: string, signal: AbortSignal): Promise<boolean> {
    const running = this.running.get(key);
    if (running) {
      let onAbort = () => {};
      const stopped = new Promise<void>((resolve) => {
        onAbort = resolve;
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([running.done, stopped]);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      signal.throwIfAborted();
      return false;
    }
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.running.set(key, { done, finish });
    return true;
  }

  private path(key: string): string {
    return join(this.dir, 'steps', `${key.replace(/^sha256:/, '')}.json`);
  }
}
