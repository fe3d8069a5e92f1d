import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readOciLayout, type UnpackedImage } from '../image/oci-layout.js';
import type { Builder, BuildRequest } from '../lab/builders.js';
import { run, tail } from '../lab/proc.js';

/** A build's outcome: the image read back, or the end of the builder's output. */
export type Built = { image: UnpackedImage } | { error: string };

/** Builds with one builder, pushes to the local registry, reads it back as an OCI layout. */
export async function buildAndRead(
  builder: Builder,
  request: BuildRequest,
  layout: string,
): Promise<Built> {
  const built = await builder.build(request);
  if (built.code !== 0) return { error: tail(built.stderr + built.stdout, 12) };
  const pushed = await builder.push(request.tag, request.tag);
  if (pushed.code !== 0) return { error: `push: ${tail(pushed.stderr + pushed.stdout, 8)}` };
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(join(layout, '..'), { recursive: true });
  await run('skopeo', [
    'copy',
    '-q',
    '--src-tls-verify=false',
    `docker://${request.tag}`,
    `oci:${layout}:image`,
  ]);
  // skopeo rewrites a Docker schema 2 config as an OCI one on the way to an OCI
  // layout, dropping Healthcheck, OnBuild and Shell: compare the pushed config as is.
  const raw = await run('skopeo', [
    'inspect',
    '--raw',
    '--config',
    '--tls-verify=false',
    `docker://${request.tag}`,
  ]);
  return { image: { ...readOciLayout(layout), config: JSON.parse(raw.stdout) } };
}
