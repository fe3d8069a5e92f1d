import { readFile } from 'node:fs/promises';
import { normalizeHost } from '../auth/credentials.js';
import { InputError } from '../errors/index.js';

// Per-registry settings, from a JSON file (statePaths().registriesConfig) and
// flags:
//   { "registries": { "127.0.0.1:5000": { "insecure": true },
//                     "registry.lan": { "caFile": "/etc/ssl/lan-ca.pem" },
//                     "docker.io": { "mirrors": ["mirror.lan:5000", "m2.lan/hub"] } } }

/** How to reach one registry. */
export interface RegistryHostSettings {
  /** Allow plain HTTP and TLS without verification (Docker's insecure-registries). */
  insecure?: boolean;
  /** Speak plain HTTP only. */
  plainHttp?: boolean;
  /** false: TLS without verifying the certificate. */
  tlsVerify?: boolean;
  /** PEM file of CAs to trust besides the system's. */
  caFile?: string;
  /** Registries (`host[/prefix]`) tried in order before this one, for pulls only. */
  mirrors?: string[];
}

/** Settings for every registry, keyed by host. */
export interface RegistrySettings {
  registries: Record<string, RegistryHostSettings>;
}

/** Settings with nothing configured. */
export function defaultSettings(): RegistrySettings {
  return { registries: {} };
}

/** Load settings from `path`; a missing file means defaults. */
export async function loadSettings(path: string): Promise<RegistrySettings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultSettings();
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError('MALFORMED_SETTINGS', `${path}: ${(error as Error).message}`);
  }
  const registries = (parsed as { registries?: unknown })?.registries ?? {};
  if (typeof registries !== 'object' || registries === null || Array.isArray(registries)) {
    throw new InputError('MALFORMED_SETTINGS', `${path}: "registries" must be an object`, {
      hint: 'e.g. {"registries": {"127.0.0.1:5000": {"insecure": true}}}',
    });
  }
  const settings = defaultSettings();
  for (const [host, value] of Object.entries(registries as Record<string, unknown>)) {
    settings.registries[normalizeHost(host)] = checkHost(path, host, value);
  }
  return settings;
}

function checkHost(path: string, host: string, value: unknown): RegistryHostSettings {
  const where = `${path}: registries["${host}"]`;
  if (typeof value !== 'object' || value === null) {
    throw new InputError('MALFORMED_SETTINGS', `${where} must be an object`);
  }
  const entry = value as Record<string, unknown>;
  for (const key of ['insecure', 'plainHttp', 'tlsVerify']) {
    if (entry[key] !== undefined && typeof entry[key] !== 'boolean') {
      throw new InputError('MALFORMED_SETTINGS', `${where}.${key} must be true or false`);
    }
  }
  if (entry.caFile !== undefined && typeof entry.caFile !== 'string') {
    throw new InputError('MALFORMED_SETTINGS', `${where}.caFile must be a path`);
  }
  const mirrors = entry.mirrors;
  if (
    mirrors !== undefined &&
    !(Array.isArray(mirrors) && mirrors.every((m) => typeof m === 'string'))
  ) {
    throw new InputError('MALFORMED_SETTINGS', `${where}.mirrors must be a list of hosts`);
  }
  return entry as RegistryHostSettings;
}

/** The settings for one host, with `overrides` (from flags) on top. */
export function hostSettings(
  settings: RegistrySettings,
  host: string,
  overrides: RegistryHostSettings = {},
): RegistryHostSettings {
  return { ...settings.registries[normalizeHost(host)], ...overrides };
}

/** Whether `host` is on this machine: Docker lets these fall back to plain HTTP. */
export function isLocalHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '::1';
}
