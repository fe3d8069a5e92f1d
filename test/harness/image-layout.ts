import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Packing a root filesystem into a one-layer OCI image layout with system
// tools only (tar, gzip), so test base images do not depend on slipway's own
// layer code. Same tree and times give the same digests.

const run = promisify(execFile);

/** 2025-05-20T00:00:00Z: file times and the created time of test base images. */
export const EPOCH = 1747699200;
const CREATED = new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z');

/** The digests of a packed image. */
export interface LayoutDigests {
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
  diffId: string;
}

/** What the image's config says. */
export interface LayoutConfig {
  env: string[];
  cmd: string[];
  createdBy: string;
  /** The tag the layout's index names the image by. */
  tag: string;
  /** The config's architecture (default: this machine's) and variant. */
  architecture?: string;
  variant?: string;
}

/** The sha256 digest of a file, as `sha256:hex`. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** The OCI architecture of this machine. */
export function goArch(): string {
  const arches: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    s390x: 's390x',
    ppc64: 'ppc64le',
  };
  return arches[process.arch] ?? process.arch;
}

async function writeBlob(layout: string, content: string): Promise<[string, number]> {
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  await writeFile(join(layout, 'blobs/sha256', digest.slice(7)), content);
  return [digest, Buffer.byteLength(content)];
}

async function packLayer(root: string, layout: string, work: string) {
  const tar = join(work, 'layer.tar');
  const gz = join(work, 'layer.tar.gz');
  await run('tar', [
    ...['-C', root, '--sort=name', '--format=posix'],
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    ...[`--mtime=@${EPOCH}`, '--owner=0', '--group=0', '--numeric-owner'],
    ...['-cf', tar, '.'],
  ]);
  await run('sh', ['-c', 'gzip -n -6 < "$1" > "$2"', 'sh', tar, gz]);
  const diffId = await sha256File(tar);
  const layerDigest = await sha256File(gz);
  const layerSize = (await stat(gz)).size;
  await rename(gz, join(layout, 'blobs/sha256', layerDigest.slice(7)));
  await rm(tar);
  return { diffId, layerDigest, layerSize };
}

/** Pack `root` as the one layer of an image in the OCI layout `layout`. */
export async function writeImageLayout(
  root: string,
  layout: string,
  work: string,
  config: LayoutConfig,
): Promise<LayoutDigests> {
  await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
  const { diffId, layerDigest, layerSize } = await packLayer(root, layout, work);
  const [configDigest, configSize] = await writeBlob(
    layout,
    JSON.stringify({
      created: CREATED,
      architecture: config.architecture ?? goArch(),
      os: 'linux',
      ...(config.variant ? { variant: config.variant } : {}),
      config: { Env: config.env, Cmd: config.cmd },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: CREATED, created_by: config.createdBy }],
    }),
  );
  const [manifestDigest, manifestSize] = await writeBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: configSize,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: layerDigest,
          size: layerSize,
        },
      ],
    }),
  );
  const manifest = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: manifestDigest,
    size: manifestSize,
    annotations: { 'org.opencontainers.image.ref.name': config.tag },
  };
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [manifest] }),
  );
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { manifestDigest, configDigest, layerDigest, diffId };
}
