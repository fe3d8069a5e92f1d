import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { applyLayer, type LayerAnomaly, type Rootfs } from './rootfs.js';
import { readTar, type TarEntry } from './tar.js';

/** An image read back from an OCI image layout: its config and its unpacked file tree. */
export interface UnpackedImage {
  manifestDigest: string;
  /** The image config blob (`config`, `history`, `rootfs`, ...). */
  config: ImageConfigBlob;
  /** Each layer's entries, in order (for layer-by-layer checks). */
  layers: TarEntry[][];
  rootfs: Rootfs;
  anomalies: LayerAnomaly[];
}

/** The parts of an image config blob the comparison reads. */
export interface ImageConfigBlob {
  config?: Record<string, unknown>;
  history?: { created_by?: string; empty_layer?: boolean }[];
  rootfs?: { diff_ids?: string[] };
}

interface Descriptor {
  digest: string;
  mediaType?: string;
}

function blob(layout: string, digest: string): Buffer {
  const [algorithm, hex] = digest.split(':');
  return readFileSync(join(layout, 'blobs', algorithm ?? 'sha256', hex ?? ''));
}

/** A layer blob as an uncompressed tar (gzip and zstd recognised by their magic bytes). */
export function uncompressed(data: Buffer): Buffer {
  if (data[0] === 0x1f && data[1] === 0x8b) return gunzipSync(data);
  if (data.readUInt32LE(0) === 0xfd2fb528) {
    return execFileSync('zstd', ['-dc'], { input: data, maxBuffer: 4 << 30 });
  }
  return data;
}

/** Reads the single image of an OCI layout (the first manifest of its index). */
export function readOciLayout(layout: string): UnpackedImage {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  let descriptor = index.manifests[0];
  if (!descriptor) throw new Error(`${layout}: index.json lists no manifest`);
  let manifest = JSON.parse(blob(layout, descriptor.digest).toString('utf8'));
  if (manifest.manifests) {
    descriptor = manifest.manifests[0] as Descriptor;
    manifest = JSON.parse(blob(layout, descriptor.digest).toString('utf8'));
  }
  const config = JSON.parse(blob(layout, manifest.config.digest).toString('utf8'));
  const rootfs: Rootfs = new Map();
  const anomalies: LayerAnomaly[] = [];
  const layers: TarEntry[][] = [];
  (manifest.layers as Descriptor[]).forEach((layer, number) => {
    const entries = [...readTar(uncompressed(blob(layout, layer.digest)))];
    applyLayer(rootfs, entries, number + 1, anomalies);
    layers.push(entries.map((entry) => ({ ...entry, content: Buffer.alloc(0) })));
  });
  return { manifestDigest: descriptor.digest, config, layers, rootfs, anomalies };
}
