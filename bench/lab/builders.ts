import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheSub } from './cache-dir.js';
import { type RunResult, run } from './proc.js';

/** One build of a Dockerfile, as every builder is asked for it. */
export interface BuildRequest {
  context: string;
  dockerfile: string;
  tag: string;
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** umask the builder process starts with (octal text). */
  umask?: string;
}

/** The verbs the conformance run and the benchmark need from an image builder. */
export interface Builder {
  name: 'slipway' | 'buildkit' | 'buildah';
  /** Builds into the builder's own image store; never throws for a failed build. */
  build(request: BuildRequest): Promise<RunResult>;
  /** Pushes a built image to `destination` (a reference on the local registry). */
  push(tag: string, destination: string): Promise<RunResult>;
  /** Removes every image and all build cache, so the next build starts cold. */
  reset(): Promise<void>;
}

/** Where the builders find the local registry and keep their state. */
export interface LabSettings {
  cache: string;
  /** `127.0.0.1:PORT` of the local registry, also the docker.io mirror. */
  registry: string;
  /** Environment for /usr/bin/docker (private dockerd). */
  dockerEnv?: NodeJS.ProcessEnv;
}

function buildFlags(request: BuildRequest): string[] {
  const flags = ['-f', request.dockerfile, '-t', request.tag];
  for (const [key, value] of Object.entries(request.buildArgs ?? {})) {
    flags.push('--build-arg', `${key}=${value}`);
  }
  if (request.target) flags.push('--target', request.target);
  if (request.noCache) flags.push('--no-cache');
  return flags;
}

/** BuildKit as Debian's docker 20.10 carries it, driven through /usr/bin/docker. */
export function buildkit(lab: LabSettings): Builder {
  const env = lab.dockerEnv;
  if (!env) throw new Error('buildkit needs the private dockerd');
  const docker = (args: string[], check = false) => run('/usr/bin/docker', args, { env, check });
  return {
    name: 'buildkit',
    build: (r) =>
      run('/usr/bin/docker', ['build', '--network', 'host', ...buildFlags(r), r.context], {
        env,
        check: false,
        umask: r.umask,
      }),
    async push(tag, destination) {
      if (tag !== destination) await docker(['tag', tag, destination], true);
      return docker(['push', destination]);
    },
    async reset() {
      const ids = (await docker(['images', '-aq'], true)).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await docker(['rmi', '-f', ...new Set(ids)]);
      await docker(['builder', 'prune', '-af'], true);
    },
  };
}

function buildahEnv(lab: LabSettings): NodeJS.ProcessEnv {
  const run = cacheSub(lab.cache, 'run');
  const registries = join(run, 'registries.conf');
  writeFileSync(
    registries,
    [
      'unqualified-search-registries = ["docker.io"]',
      'short-name-mode = "permissive"',
      '[[registry]]',
      `location = "${lab.registry}"`,
      'insecure = true',
      '[[registry]]',
      'prefix = "docker.io"',
      'location = "docker.io"',
      '[[registry.mirror]]',
      `location = "${lab.registry}"`,
      'insecure = true',
      '',
    ].join('\n'),
  );
  // host network for RUN, runc for --isolation oci (crun 1.8 refuses hybrid cgroups),
  // CNI config kept out of /etc
  const containers = join(run, 'containers.conf');
  writeFileSync(
    containers,
    [
      '[containers]',
      'netns = "host"',
      '[network]',
      'network_backend = "cni"',
      `network_config_dir = "${cacheSub(lab.cache, 'cni')}"`,
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      '',
    ].join('\n'),
  );
  const auth = join(run, 'auth.json');
  if (!existsSync(auth)) writeFileSync(auth, '{"auths":{}}');
  return {
    ...process.env,
    CONTAINERS_REGISTRIES_CONF: registries,
    CONTAINERS_CONF: containers,
    REGISTRY_AUTH_FILE: auth,
    BUILDAH_ISOLATION: 'chroot',
    TMPDIR: cacheSub(lab.cache, 'tmp'),
  };
}

/** buildah with overlay storage and chroot isolation, all state under the cache. */
export function buildah(lab: LabSettings): Builder {
  const env = buildahEnv(lab);
  const storage = [
    '--root',
    cacheSub(lab.cache, 'buildah'),
    '--runroot',
    cacheSub(lab.cache, 'buildah-run'),
    '--storage-driver',
    'overlay',
  ];
  const buildah = (args: string[], umask?: string) =>
    run('buildah', [...storage, ...args], { env, check: false, umask });
  return {
    name: 'buildah',
    build: (r) =>
      buildah(
        ['bud', '--layers', '--isolation', 'chroot', '--format', 'docker', ...buildFlags(r)].concat(
          r.context,
        ),
        r.umask,
      ),
    push: (tag, destination) =>
      buildah(['push', '--tls-verify=false', tag, `docker://${destination}`]),
    async reset() {
      await buildah(['rm', '-a']);
      await buildah(['rmi', '-a', '-f']);
    },
  };
}

const slipwayBin = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

/** Whether this checkout has a compiled `slipway build`. */
export function slipwayAvailable(): boolean {
  return existsSync(slipwayBin) && existsSync(new URL('../../src/build', import.meta.url));
}

/** slipway from this checkout (dist/), its state in its own SLIPWAY_HOME under the cache. */
export function slipway(lab: LabSettings): Builder {
  const home = cacheSub(lab.cache, 'slipway-home');
  const env = { ...process.env, SLIPWAY_HOME: home };
  const writeSettings = () =>
    writeFileSync(
      join(home, 'registries.json'),
      JSON.stringify({
        registries: {
          [lab.registry]: { insecure: true },
          'docker.io': { mirrors: [lab.registry] },
        },
      }),
    );
  writeSettings();
  const slipway = (args: string[], umask?: string) =>
    run(process.execPath, [slipwayBin, ...args], { env, check: false, umask });
  return {
    name: 'slipway',
    build: (r) => slipway(['build', '--progress', 'plain', ...buildFlags(r), r.context], r.umask),
    push: (tag, destination) => slipway(['push', tag, destination]),
    async reset() {
      rmSync(home, { recursive: true, force: true });
      cacheSub(lab.cache, 'slipway-home');
      writeSettings();
    },
  };
}
