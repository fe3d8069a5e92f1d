import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where slipway keeps its state: `$SLIPWAY_HOME`, else `$XDG_DATA_HOME/slipway`,
 * else `~/.local/share/slipway`. Tests point SLIPWAY_HOME at a temporary folder.
 */
export function slipwayHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIPWAY_HOME) return env.SLIPWAY_HOME;
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'slipway');
}

/** The well-known folders under the slipway home. */
export function statePaths(home: string = slipwayHome()) {
  return {
    home,
    /** The local image store, an OCI image layout. */
    store: join(home, 'store'),
    /** Unpacked layers by chain ID, and per-step snapshots. */
    snapshots: join(home, 'snapshots'),
    /** The build cache index and RUN --mount=type=cache folders. */
    cache: join(home, 'cache'),
    /** Pipeline runs: build numbers, logs, artifacts, artifact repositories. */
    pipelines: join(home, 'pipelines'),
    /** Registry settings: insecure hosts, CA files, mirrors. */
    registriesConfig: join(home, 'registries.json'),
  };
}
