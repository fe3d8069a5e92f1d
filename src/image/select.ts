import { InputError } from '../errors/index.js';
import type { Descriptor } from './descriptor.js';
import type { ImageIndex } from './manifest.js';
import { formatPlatform, normalizePlatform, type Platform } from './platform.js';

// Choosing the manifest for one platform out of an index, as containerd's
// ordered platform matcher does: the exact variant first, then the older
// variants that the wanted platform can still run.

/** The platform slipway builds and pulls for unless told otherwise. */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** Variants a platform runs, best first; '' is an entry without a variant. */
export function compatibleVariants(platform: Platform): string[] {
  const { architecture, variant = '' } = normalizePlatform(platform);
  if (architecture === 'arm') {
    const order = ['v8', 'v7', 'v6', 'v5'];
    const start = order.indexOf(variant);
    return start < 0 ? [variant] : order.slice(start);
  }
  if (architecture === 'arm64') {
    const newer = variant !== 'v8' && variant !== '' ? [variant] : [];
    return [...newer, 'v8', ''];
  }
  if (architecture === 'amd64') {
    const order = ['v4', 'v3', 'v2'];
    const start = order.indexOf(variant);
    return start < 0 ? [''] : [...order.slice(start), ''];
  }
  return [variant];
}

/**
 * The manifest in `index` for the wanted platform (linux/amd64 by default).
 * With no match, the error lists the platforms the index has.
 */
export function selectManifest(index: ImageIndex, wanted: Platform = DEFAULT_PLATFORM): Descriptor {
  const want = normalizePlatform(wanted);
  const candidates = index.manifests.filter((entry) => {
    const platform = entry.platform;
    return platform && platform.os === want.os && sameArchitecture(platform, want);
  });
  for (const variant of compatibleVariants(want)) {
    const found = candidates.find((entry) => variantOf(entry.platform as Platform) === variant);
    if (found) return found;
  }
  const available = index.manifests
    .filter((entry) => entry.platform && entry.platform.os !== 'unknown')
    .map((entry) => formatPlatform(normalizePlatform(entry.platform as Platform)));
  const listed = available.length > 0 ? available.join(', ') : 'none with a platform';
  throw new InputError(
    'NO_MATCHING_PLATFORM',
    `no manifest for ${formatPlatform(want)} in the index; it has: ${listed}`,
    { hint: 'choose one of those with --platform' },
  );
}

function sameArchitecture(platform: Platform, want: Platform): boolean {
  return normalizePlatform(platform).architecture === want.architecture;
}

function variantOf(platform: Platform): string {
  const variant = normalizePlatform(platform).variant ?? '';
  return normalizePlatform(platform).architecture === 'amd64' && variant === 'v1' ? '' : variant;
}
