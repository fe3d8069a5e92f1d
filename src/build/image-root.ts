import type { CredentialSource } from '../auth/index.js';
import { hostPlatform, type ImageConfig } from '../image/index.js';
import type { Emit } from '../log/index.js';
import { openStore } from '../store/index.js';
import { statePaths } from '../util/paths.js';
import { BaseImages } from './base.js';
import { RegistryAccess } from './registry-access.js';
import { Workspaces } from './workspace.js';

// A root filesystem to run a container in (a pipeline step's toolchain image).
// The image comes the way a build's base image does: from the local store when
// it was pulled before, else from its registry, and is kept in the store; its
// layers are unpacked once per chain ID and shared with builds. The process
// runs on a writable snapshot over them, which release() throws away.

/** Where the image comes from and how to reach its registry. */
export interface ImageRootOptions {
  /** An image reference (`node:14`, `127.0.0.1:5000/tools/node:14`). */
  image: string;
  /** The slipway home (store, snapshots, registries.json); default statePaths(). */
  home?: string;
  /** Hosts reached over plain HTTP (loopback hosts already are). */
  insecureRegistries?: string[];
  credentials?: CredentialSource;
  emit: Emit;
}

/** A throwaway writable root over an image's layers. */
export interface ImageRoot {
  /** The directory that becomes `/`. */
  root: string;
  /** The full reference (`docker.io/library/node:14`). */
  name: string;
  config: ImageConfig;
  /** Unmount and delete the snapshot; the unpacked layers stay. */
  release(): Promise<void>;
}

/** Pull (if needed) and unpack `image`, and open a writable snapshot over it. */
export async function openImageRoot(options: ImageRootOptions): Promise<ImageRoot> {
  const paths = statePaths(options.home);
  const store = await openStore(paths.store);
  const registries = await RegistryAccess.open({
    settingsFile: paths.registriesConfig,
    insecureRegistries: options.insecureRegistries,
    credentials: options.credentials,
    emit: options.emit,
  });
  const images = new BaseImages(
    store,
    (reference) => Promise.resolve(registries.pull(reference)),
    hostPlatform(),
    false,
  );
  const base = await images.resolve(options.image);
  await images.ensureBlobs(base.state);
  const workspaces = await Workspaces.open(store, paths.snapshots, options.emit);
  const view = await workspaces.view(base.state);
  return { root: view.root, name: base.name, config: base.state.config, release: view.release };
}
