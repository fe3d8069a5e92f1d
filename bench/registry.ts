// npm run bench:registry: push and pull a 512 MiB image (4 gzip layers of
// random bytes) to a local docker-registry with slipway and with skopeo in the same
// run; prints both throughputs, their ratio and slipway's peak RSS.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type RegistryHandle, startRegistry } from '../test/harness/registry.js';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const LAYERS = Number(process.env.BENCH_LAYERS ?? 4);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 128);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const bin = new URL('../src/cli/bin.js', import.meta.url).pathname;

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function blob(layout: string, content: string): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  await writeFile(join(layout, 'blobs/sha256', digest.slice(7)), content);
  return { digest, size: Buffer.byteLength(content) };
}

/** An OCI layout with LAYERS uncompressed tar layers of random bytes, cached. */
async function makeImage(cache: string): Promise<{ layout: string; bytes: number }> {
  const layout = join(cache, `bench-gz-${LAYERS}x${LAYER_MIB}`);
  try {
    return JSON.parse(await readFile(join(layout, 'bench.json'), 'utf8'));
  } catch {
    // build it
  }
  await rm(layout, { recursive: true, force: true });
  await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
  const layers = [];
  const diffIds: string[] = [];
  for (let i = 0; i < LAYERS; i++) {
    const dir = join(cache, `layer-${i}`);
    await mkdir(dir, { recursive: true });
    await run('sh', ['-c', `head -c ${LAYER_MIB}M /dev/urandom > "$1/random-${i}.bin"`, 'sh', dir]);
    const tar = join(cache, `layer-${i}.tar`);
    await run('tar', ['-C', dir, '--mtime=@0', '--owner=0', '--group=0', '-cf', tar, '.']);
    await rm(dir, { recursive: true });
    diffIds.push(await sha256(tar));
    // gzip, as registries hold layers: neither tool then recompresses on push.
    await run('sh', ['-c', 'pigz -1 -n "$1" 2>/dev/null || gzip -1 -n "$1"', 'sh', tar]);
    const digest = await sha256(`${tar}.gz`);
    const { size } = await stat(`${tar}.gz`);
    await run('mv', [`${tar}.gz`, join(layout, 'blobs/sha256', digest.slice(7))]);
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size });
  }
  const config = await blob(
    layout,
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
  const manifest = await blob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers,
    }),
  );
  const entry = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...manifest,
    annotations: { 'org.opencontainers.image.ref.name': 'latest' },
  };
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [entry] }),
  );
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const bytes = layers.reduce((sum, l) => sum + l.size, config.size);
  const result = { layout, bytes };
  await writeFile(join(layout, 'bench.json'), JSON.stringify(result));
  return result;
}

interface Measured {
  seconds: number;
  /** User plus system CPU seconds of the tool (not the registry). */
  cpuSeconds: number;
  peakRssKiB: number;
}

/** Run a command under /usr/bin/time -v: wall time and peak RSS. */
function measure(command: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', ...command], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (status) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (status !== 0) return reject(new Error(`${command.join(' ')} failed:\n${stderr}`));
      const field = (name: string) =>
        Number(new RegExp(`${name}: ([\\d.]+)`).exec(stderr)?.[1] ?? 0);
      resolve({
        seconds,
        cpuSeconds: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'),
        peakRssKiB: field('Maximum resident set size \\(kbytes\\)'),
      });
    });
  });
}

async function main(): Promise<void> {
  const cache = join(tmpdir(), 'slipway-bench-cache');
  await mkdir(cache, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
  const image = await makeImage(cache);
  const env = { PATH: process.env.PATH, HOME: work, SLIPWAY_HOME: join(work, 'slipway') };
  const results: Record<string, Measured[]> = {};
  const record = (name: string, m: Measured) => (results[name] ??= []).push(m);
  const registries: RegistryHandle[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // A fresh registry per push, so nothing is skipped or mounted.
      for (const tool of ['slipway', 'skopeo'] as const) {
        const registry = await startRegistry('plain');
        registries.push(registry);
        const dest = `${registry.host}/bench/${tool}:1`;
        const push =
          tool === 'slipway'
            ? [
                process.execPath,
                bin,
                'push',
                '--progress',
                'quiet',
                `oci:${image.layout}:latest`,
                dest,
              ]
            : [
                'skopeo',
                'copy',
                '--quiet',
                '--dest-tls-verify=false',
                `oci:${image.layout}:latest`,
                `docker://${dest}`,
              ];
        record(`${tool} push`, await measure(push, env));
        const out = join(work, `pull-${tool}-${round}`);
        const pull =
          tool === 'slipway'
            ? [
                process.execPath,
                bin,
                'pull',
                '--progress',
                'quiet',
                dest,
                '--output',
                `oci:${out}:x`,
              ]
            : [
                'skopeo',
                'copy',
                '--quiet',
                '--src-tls-verify=false',
                `docker://${dest}`,
                `oci:${out}:x`,
              ];
        record(`${tool} pull`, await measure(pull, env));
        await rm(out, { recursive: true, force: true });
        await registry.stop();
      }
    }
  } finally {
    await Promise.all(registries.map((r) => r.stop().catch(() => undefined)));
    await rm(work, { recursive: true, force: true });
  }
  const mib = image.bytes / MIB;
  const best = (name: string) => Math.min(...(results[name] ?? []).map((m) => m.seconds));
  const cpu = (name: string) => Math.min(...(results[name] ?? []).map((m) => m.cpuSeconds));
  const line = (name: string) =>
    `${(mib / best(name)).toFixed(1)} MiB/s (${best(name).toFixed(2)} s, ${cpu(name).toFixed(2)} s CPU)`;
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
  console.log(
    `image: ${LAYERS} layers, ${mib.toFixed(0)} MiB; best of ${ROUNDS} rounds; load ${load}`,
  );
  for (const op of ['push', 'pull']) {
    const ratio = best(`skopeo ${op}`) / best(`slipway ${op}`);
    console.log(
      `${op}: slipway ${line(`slipway ${op}`)}, skopeo ${line(`skopeo ${op}`)}, ratio ${ratio.toFixed(2)}`,
    );
  }
  const peak = Math.max(
    ...['slipway push', 'slipway pull'].flatMap((n) => results[n]!.map((m) => m.peakRssKiB)),
  );
  const skopeoPeak = Math.max(
    ...['skopeo push', 'skopeo pull'].flatMap((n) => results[n]!.map((m) => m.peakRssKiB)),
  );
  console.log(
    `peak RSS: slipway ${(peak / 1024).toFixed(0)} MiB, skopeo ${(skopeoPeak / 1024).toFixed(0)} MiB`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
