import type { Readable } from 'node:stream';
import { messageOf } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import type { RawManifest } from '../image/manifest.js';
import type { ImageSource } from '../image/transport.js';
import { type Emit, silent } from '../log/events.js';
import type { RegistryClient } from './client.js';

// Pull-through mirrors (Docker's registry-mirrors, registries.conf mirrors):
// each is tried in order before the origin; the first that answers serves the
// rest of the pull, and an event says which one it was.

/** An ImageSource that reads from mirrors first, then from the origin. */
export class MirroredSource implements ImageSource {
  private served?: RegistryClient;
  private readonly emit: Emit;

  constructor(
    readonly origin: RegistryClient,
    private readonly mirrors: RegistryClient[],
    emit: Emit = silent,
  ) {
    this.emit = emit;
  }

  /** The client that served the last manifest. */
  get servedBy(): RegistryClient | undefined {
    return this.served;
  }

  private order(): RegistryClient[] {
    const all = [...this.mirrors, this.origin];
    return this.served ? [this.served, ...all.filter((c) => c !== this.served)] : all;
  }

  private async attempt<T>(what: string, read: (client: RegistryClient) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (const client of this.order()) {
      try {
        const result = await read(client);
        if (client !== this.served) {
          this.served = client;
          const role = client === this.origin ? 'origin' : 'mirror';
          this.emit({
            kind: 'registry.mirror',
            level: 'info',
            message: `${what} served by ${role} ${client.name}`,
            served: client.name,
            mirror: role === 'mirror',
          });
        }
        return result;
      } catch (error) {
        lastError = error;
        if (client === this.origin) break;
        this.emit({
          kind: 'registry.mirror.failed',
          level: 'warn',
          message: `mirror ${client.name} could not serve ${what}: ${messageOf(error)}`,
          mirror: client.name,
        });
      }
    }
    throw lastError;
  }

  fetchManifest(selector: string): Promise<RawManifest> {
    return this.attempt(`manifest ${selector}`, (client) => client.fetchManifest(selector));
  }

  fetchBlob(descriptor: Descriptor): Promise<Readable> {
    return this.attempt(`blob ${descriptor.digest}`, (client) => client.fetchBlob(descriptor));
  }
}
