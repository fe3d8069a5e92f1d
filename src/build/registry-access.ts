import type { CredentialSource } from '../auth/index.js';
import type { Reference } from '../image/index.js';
import type { Emit } from '../log/index.js';
import {
  loadSettings,
  openPullSource,
  openRepository,
  type RegistryClient,
  type RegistrySettings,
} from '../registry/index.js';

// How a build reaches registries: the settings file (mirrors, CAs), the
// --insecure-registry hosts and the credentials it was given.

/** Opens registry repositories for pulling base images and pushing results. */
export class RegistryAccess {
  private constructor(
    private readonly settings: RegistrySettings,
    private readonly insecure: ReadonlySet<string>,
    private readonly credentials: CredentialSource | undefined,
    private readonly emit: Emit,
  ) {}

  static async open(options: {
    settingsFile: string;
    insecureRegistries?: string[];
    credentials?: CredentialSource;
    emit: Emit;
  }): Promise<RegistryAccess> {
    const settings = await loadSettings(options.settingsFile);
    const insecure = new Set(options.insecureRegistries ?? []);
    return new RegistryAccess(settings, insecure, options.credentials, options.emit);
  }

  private options(registry: string) {
    return {
      settings: this.settings,
      credentials: this.credentials,
      emit: this.emit,
      ...(this.insecure.has(registry) ? { overrides: { insecure: true } } : {}),
    };
  }

  /** A source for pulling (mirrors first, when configured). */
  pull(reference: Reference) {
    return openPullSource(reference, this.options(reference.registry));
  }

  /** A repository to push to. */
  push(reference: Reference): RegistryClient {
    return openRepository(reference, this.options(reference.registry));
  }
}
