import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type BuildOptions, type BuildResult, buildImage } from '../../src/build/index.js';
import type { ImageConfig, ImageManifest } from '../../src/image/index.js';
import type { SlipwayEvent } from '../../src/log/index.js';
import { pushBaseImage } from './base-image.js';
import { type RegistryHandle, startRegistry } from './registry.js';

// Build tests: a registry holding the busybox base image, contexts made from a
// map of files, builds that record their events, and readers for what the
// build stored (config, layer entries, the unpacked filesystem via umoci).

export const run = promisify(execFile);

/** A registry with `base/busybox:latest`, and a fresh SLIPWAY_HOME. */
export interface BuildFixture {
  registry: RegistryHandle;
  /** `127.0.0.1:PORT/base/busybox:latest`. */
  base: string;
  home: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startBuildFixture(): Promise<BuildFixture> {
  const registry = await startRegistry('plain');
  await pushBaseImage(registry.host, 'base/busybox:latest', registry);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-build-test-'));
  const home = join(dir, 'home');
  return {
    registry,
    base: `${registry.host}/base/busybox:latest`,
    home,
    dir,
    stop: async () => {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let contexts = 0;

/** A context directory from `path: content` (a `BASE` in the Dockerfile is the base image). */
export async function makeContext(
  fixture: BuildFixture,
  files: Record<string, string>,
): Promise<string> {
  contexts += 1;
  const dir = join(fixture.dir, `context-${contexts}`);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content.replaceAll('BASE', fixture.base));
    if (path.endsWith('.sh')) await chmod(join(dir, path), 0o755);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A finished build with its events. */
export interface BuildRun extends BuildResult {
  events: SlipwayEvent[];
  /** Step names shown CACHED. */
  cached: string[];
  /** Step names that ran (shown DONE, not CACHED). */
  ran: string[];
}

/** Build with defaults for tests; `options` overrides. */
export async function build(
  fixture: BuildFixture,
  contextDir: string,
  options: Partial<BuildOptions> = {},
): Promise<BuildRun> {
  const events: SlipwayEvent[] = [];
  const result = await buildImage({
    contextDir,
    dockerfile: 'Dockerfile',
    tags: [],
    buildArgs: {},
    noCache: false,
    push: false,
    home: fixture.home,
    insecureRegistries: [fixture.registry.host],
    emit: (event) => events.push(event),
    ...options,
  });
  const names = new Map<unknown, string>();
  const cached: string[] = [];
  const ran: string[] = [];
  for (const event of events) {
    if (event.kind === 'build.step.start') names.set(event.step, String(event.name));
    if (event.kind === 'build.step.cached') cached.push(names.get(event.step) ?? '');
    if (event.kind === 'build.step.done') ran.push(names.get(event.step) ?? '');
  }
  return { ...result, events, cached, ran };
}

/** The store of a fixture's home. */
export function storeDir(fixture: BuildFixture): string {
  return join(fixture.home, 'store');
}

/** Read a blob of the fixture's store as JSON. */
export async function readJsonBlob<T>(fixture: BuildFixture, digest: string): Promise<T> {
  const path = join(storeDir(fixture), 'blobs', 'sha256', digest.replace('sha256:', ''));
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** The manifest and config of a built image. */
export async function readImage(fixture: BuildFixture, digest: string) {
  const manifest = await readJsonBlob<ImageManifest>(fixture, digest);
  const config = await readJsonBlob<ImageConfig>(fixture, manifest.config.digest);
  return { manifest, config };
}

/** `tar -tv` style listing of a layer blob, plain or gzip: `mode uid/gid path[ -> target]`. */
export async function layerEntries(fixture: BuildFixture, digest: string): Promise<string[]> {
  const path = join(storeDir(fixture), 'blobs', 'sha256', digest.replace('sha256:', ''));
  const { stdout } = await run('tar', ['-tvf', path, '--numeric-owner']);
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const fields = line.split(/\s+/);
      const [mode, owner] = fields;
      const name = fields.slice(5).join(' ');
      return `${mode} ${owner} ${name}`;
    });
}

/** Unpack a stored image with umoci (which also checks it) and return the rootfs path. */
export async function unpackWithUmoci(fixture: BuildFixture, tag: string): Promise<string> {
  const bundle = await mkdtemp(join(fixture.dir, 'bundle-'));
  await rm(bundle, { recursive: true });
  await run('umoci', ['unpack', '--image', `${storeDir(fixture)}:${tag}`, bundle]);
  return join(bundle, 'rootfs');
}
