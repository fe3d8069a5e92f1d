import { benchCache } from './cache-dir.js';
import { type PrivateDockerd, startDockerd } from './dockerd.js';
import { makeBaseImages } from './mirror.js';
import { type LocalRegistry, startRegistry } from './registry.js';

/** The reference side, running: a local registry (also the docker.io mirror) and dockerd. */
export interface Lab {
  cache: string;
  registry: LocalRegistry;
  dockerd?: PrivateDockerd;
  stop(): Promise<void>;
}

/** Makes the base images, starts the registry and, when asked, a private dockerd. */
export async function startLab(options: { dockerd: boolean; log: (line: string) => void }) {
  const cache = benchCache();
  options.log(`cache ${cache}: making base images (busybox, debian) unless present`);
  await makeBaseImages(cache);
  const registry = await startRegistry(cache);
  options.log(`registry ${registry.host} (docker.io mirror)`);
  let dockerd: PrivateDockerd | undefined;
  const stop = async () => {
    await dockerd?.stop();
    await registry.stop();
  };
  try {
    if (options.dockerd) {
      dockerd = await startDockerd(cache, registry.host);
      options.log('dockerd 20.10 started (private socket, networking off)');
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const lab: Lab = { cache, registry, dockerd, stop };
  return lab;
}
