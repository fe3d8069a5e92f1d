import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError, RegistryError, SlipwayError } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import { type Digest, digestOf } from '../image/digest.js';
import type { ImageManifest } from '../image/manifest.js';
import { OCI_EMPTY, OCI_LAYER_GZIP, OCI_MANIFEST } from '../image/media-types.js';
import { parseReference } from '../image/reference.js';
import {
  type ArtifactRepository,
  type ArtifactVersion,
  isValidArtifactName,
  latestOf,
} from '../pipeline/artifact-repository.js';
import { type ClientOptions, openRepository, type RegistryClient } from '../registry/index.js';

// An artifact repository in an OCI registry: each version is an OCI artifact
// (an image manifest with its own artifactType, the empty config and the
// tar.gz as its one layer), tagged `<name>-<version>`. The annotations carry
// the name, version and labels, so listing reads them back; `slipway pull`
// and any OCI client (oras, skopeo) can fetch a version by its tag.

/** The artifactType of every artifact slipway stores in a registry. */
export const ARTIFACT_TYPE = 'application/vnd.slipway.artifact.v1';
const NAME = 'dev.slipway.artifact.name';
const VERSION = 'dev.slipway.artifact.version';
const LABEL = 'dev.slipway.artifact.label.';
const TITLE = 'org.opencontainers.image.title';
const CREATED = 'org.opencontainers.image.created';
const EMPTY = Buffer.from('{}');

/** A repository stored at `reference` (`host/repository`). */
export function ociArtifactRepository(
  name: string,
  reference: string,
  options: ClientOptions,
): ArtifactRepository {
  const ref = parseReference(reference);
  const client = openRepository(ref, options);
  const where = `${ref.registry}/${ref.repository}`;
  const all = () => readVersions(client, where);
  return {
    name,
    kind: 'oci',
    async put(artifact, file, rule, labels = {}) {
      if (!isValidArtifactName(artifact)) {
        throw new InputError('ARTIFACT_NAME', `"${artifact}" cannot name an artifact`);
      }
      const taken = await all();
      const own = taken.filter((v) => v.name === artifact);
      const version =
        rule.kind === 'choose' ? rule.choose(taken) : String(nextNumber(own.map((v) => v.version)));
      const tag = `${artifact}-${version}`;
      if (await client.headManifest(tag)) {
        throw new SlipwayError('ARTIFACT_VERSION_TAKEN', `${where}:${tag} was stored meanwhile`, {
          hint: 'two runs stored the same version at once; run the step again',
        });
      }
      const layer = await describeFile(file, `${artifact}.tar.gz`);
      const config: Descriptor = { mediaType: OCI_EMPTY, digest: digestOf(EMPTY), size: 2 };
      await client.pushBlob(config, async () => Readable.from([EMPTY]));
      await client.pushBlob(layer, async () => createReadStream(file));
      const created = new Date().toISOString();
      const annotations: Record<string, string> = {
        [NAME]: artifact,
        [VERSION]: version,
        [CREATED]: created,
      };
      for (const [key, value] of Object.entries(labels)) annotations[`${LABEL}${key}`] = value;
      const manifest: ImageManifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: ARTIFACT_TYPE,
        config,
        layers: [layer],
        annotations,
      };
      const bytes = Buffer.from(JSON.stringify(manifest));
      await client.pushManifest({ mediaType: OCI_MANIFEST, digest: digestOf(bytes), bytes }, tag);
      const sha256 = layer.digest.slice('sha256:'.length);
      return { name: artifact, version, sha256, size: layer.size, created, labels };
    },
    async names() {
      return [...new Set((await all()).map((v) => v.name))].sort();
    },
    async versions(artifact) {
      return (await all()).filter((v) => v.name === artifact);
    },
    async fetch(artifact, version, dest) {
      const own = (await all()).filter((v) => v.name === artifact);
      const found = version === 'latest' ? latestOf(own) : own.find((v) => v.version === version);
      if (!found) {
        const known = own.map((v) => v.version).join(', ') || 'none';
        throw new InputError('ARTIFACT_VERSION', `${where}: no ${artifact} ${version}`, {
          hint: `stored versions: ${known}`,
        });
      }
      const layer: Descriptor = {
        mediaType: OCI_LAYER_GZIP,
        digest: `sha256:${found.sha256}` as Digest,
        size: found.size,
      };
      const partial = `${dest}.partial`;
      try {
        await pipeline(await client.fetchBlob(layer), createWriteStream(partial));
        await rename(partial, dest);
      } finally {
        await rm(partial, { force: true });
      }
      return found;
    },
  };
}

/** Every version in the repository, oldest first (by creation time, then tag). */
async function readVersions(client: RegistryClient, where: string): Promise<ArtifactVersion[]> {
  let tags: string[];
  try {
    tags = await client.listTags();
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return [];
    throw error;
  }
  const versions: ArtifactVersion[] = [];
  for (const tag of tags.sort()) {
    const raw = await client.fetchManifest(tag);
    const manifest = JSON.parse(raw.bytes.toString('utf8')) as Partial<ImageManifest>;
    if (manifest.artifactType !== ARTIFACT_TYPE) continue;
    const notes = manifest.annotations ?? {};
    const layer = manifest.layers?.[0];
    if (!notes[NAME] || !notes[VERSION] || !layer?.digest.startsWith('sha256:')) {
      throw new SlipwayError('ARTIFACT_MANIFEST', `${where}:${tag} is not a slipway artifact`);
    }
    const labels: Record<string, string> = {};
    for (const [key, value] of Object.entries(notes)) {
      if (key.startsWith(LABEL)) labels[key.slice(LABEL.length)] = value;
    }
    versions.push({
      name: notes[NAME],
      version: notes[VERSION],
      sha256: layer.digest.slice('sha256:'.length),
      size: layer.size,
      created: notes[CREATED] ?? '',
      labels,
    });
  }
  return versions.sort((a, b) => a.created.localeCompare(b.created));
}

/** The next whole-number version after `versions`. */
function nextNumber(versions: readonly string[]): number {
  return Math.max(0, ...versions.map(Number).filter(Number.isInteger)) + 1;
}

async function describeFile(file: string, title: string): Promise<Descriptor> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  const { size } = await stat(file);
  return {
    mediaType: OCI_LAYER_GZIP,
    digest: `sha256:${hash.digest('hex')}` as Digest,
    size,
    annotations: { [TITLE]: title },
  };
}
