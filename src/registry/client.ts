import type { Readable } from 'node:stream';
import type { Descriptor } from '../image/descriptor.js';
import type { Digest } from '../image/digest.js';
import type { RawManifest } from '../image/manifest.js';
import type { Reference } from '../image/reference.js';
import type { ImageSource, ImageTarget } from '../image/transport.js';
import { getBlob, headBlob } from './blobs.js';
import { type ConnectionOptions, RegistryConnection } from './connection.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifests.js';
import { mountBlob } from './mount.js';
import { listTags } from './tags.js';
import { type UploadOptions, uploadBlob } from './upload.js';

/** Options of a repository client: connection settings and upload sizes. */
export interface ClientOptions extends ConnectionOptions {
  upload?: UploadOptions;
  /** Share connections (tokens, sockets) between clients of one host. */
  pool?: ConnectionPool;
}

/** Connections by host, so clients of one registry share tokens and sockets. */
export class ConnectionPool {
  private readonly connections = new Map<string, RegistryConnection>();
  constructor(private readonly options: ConnectionOptions = {}) {}

  get(host: string, options: ConnectionOptions = this.options): RegistryConnection {
    let connection = this.connections.get(host);
    if (!connection) {
      connection = new RegistryConnection(host, options);
      this.connections.set(host, connection);
    }
    return connection;
  }
}

/** A repository on a registry, read and written through the image transport verbs. */
export class RegistryClient implements ImageSource, ImageTarget {
  readonly registry: string;
  readonly repository: string;
  readonly connection: RegistryConnection;
  private readonly upload: UploadOptions;

  constructor(ref: Pick<Reference, 'registry' | 'repository'>, options: ClientOptions = {}) {
    this.registry = ref.registry;
    this.repository = ref.repository;
    this.connection = options.pool
      ? options.pool.get(ref.registry, options)
      : new RegistryConnection(ref.registry, options);
    this.upload = options.upload ?? {};
  }

  /** `host/repository`, as messages name it. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  fetchManifest(selector: string): Promise<RawManifest> {
    return getManifest(this.connection, this.repository, selector);
  }

  fetchBlob(descriptor: Descriptor): Promise<Readable> {
    return getBlob(this.connection, this.repository, descriptor);
  }

  hasBlob(descriptor: Descriptor): Promise<boolean> {
    return headBlob(this.connection, this.repository, descriptor);
  }

  /** Same as hasBlob: whether the repository has the blob. */
  headBlob(descriptor: Descriptor): Promise<boolean> {
    return headBlob(this.connection, this.repository, descriptor);
  }

  pushBlob(descriptor: Descriptor, open: () => Promise<Readable>): Promise<void> {
    return uploadBlob(this.connection, this.repository, descriptor, open, this.upload);
  }

  /**
   * Mount a blob from another repository of this registry. Resolves to true if
   * mounted; false if the registry declined (the caller uploads instead).
   */
  async mountBlob(descriptor: Descriptor, fromRepository: string): Promise<boolean> {
    const result = await mountBlob(this.connection, this.repository, descriptor, fromRepository);
    if (!result.mounted) {
      // Close the upload the registry opened; it expires anyway if this fails.
      await this.connection
        .request({
          method: 'DELETE',
          path: result.location,
          scopes: [],
          context: 'cancelling upload',
        })
        .then((r) => r.resume())
        .catch(() => undefined);
    }
    return result.mounted;
  }

  pushManifest(manifest: RawManifest, tag?: string): Promise<void> {
    return putManifest(this.connection, this.repository, manifest, tag);
  }

  headManifest(selector: string): Promise<Descriptor | undefined> {
    return headManifest(this.connection, this.repository, selector);
  }

  deleteManifest(digest: Digest): Promise<void> {
    return deleteManifest(this.connection, this.repository, digest);
  }

  listTags(pageSize?: number): Promise<string[]> {
    return listTags(this.connection, this.repository, pageSize);
  }
}
