import { InputError } from '../errors/index.js';

/** The platform an image runs on (OCI image-index `platform`). */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

const NODE_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** The platform of this machine, as OCI names it (linux/amd64 here). */
export function hostPlatform(): Platform {
  const architecture = NODE_ARCH[process.arch] ?? process.arch;
  const platform: Platform = {
    os: process.platform === 'win32' ? 'windows' : process.platform,
    architecture,
  };
  if (architecture === 'arm64') platform.variant = 'v8';
  return normalizePlatform(platform);
}

/** Parse `os/arch[/variant]`, also a bare `arch`, as docker's --platform does. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.some((p) => p === '') || parts.length > 3) {
    throw new InputError(
      'INVALID_PLATFORM',
      `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant], e.g. linux/amd64`,
    );
  }
  const [first, second, third] = parts as [string, string?, string?];
  const platform: Platform =
    second === undefined
      ? { os: 'linux', architecture: first }
      : { os: first, architecture: second, ...(third ? { variant: third } : {}) };
  return normalizePlatform(platform);
}

/** Docker's normalisation: aarch64 -> arm64, x86_64 -> amd64, arm defaults to v7. */
export function normalizePlatform(platform: Platform): Platform {
  const normal = { ...platform };
  const arch = normal.architecture;
  if (arch === 'x86_64' || arch === 'x86-64') normal.architecture = 'amd64';
  if (arch === 'aarch64') normal.architecture = 'arm64';
  if (arch === 'i386' || arch === 'i686') normal.architecture = '386';
  if (arch === 'armhf') Object.assign(normal, { architecture: 'arm', variant: 'v7' });
  if (arch === 'armel') Object.assign(normal, { architecture: 'arm', variant: 'v6' });
  if (normal.architecture === 'arm64' && (normal.variant === undefined || normal.variant === '8')) {
    normal.variant = 'v8';
  }
  if (normal.architecture === 'arm' && normal.variant === undefined) normal.variant = 'v7';
  if (normal.architecture === 'amd64' && normal.variant === 'v1') delete normal.variant;
  return normal;
}

export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}

/** The platform as BuildKit writes it (containerd's Normalize): arm64 without its default v8. */
export function buildkitPlatform(platform: Platform): Platform {
  const normal = normalizePlatform(platform);
  if (normal.architecture === 'arm64' && normal.variant === 'v8') delete normal.variant;
  return normal;
}

/** The platform's name as BuildKit prints it (`linux/arm64`, `linux/arm/v7`). */
export function platformName(platform: Platform): string {
  return formatPlatform(buildkitPlatform(platform));
}

// The operating systems and architectures Go has ports for, which containerd's
// platforms package (and so docker build) knows by name.
const KNOWN_OS = (
  'aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd ' +
  'plan9 solaris wasip1 windows zos'
).split(' ');

/** The architectures a platform may name (containerd's known ones). */
const KNOWN_ARCHITECTURES = (
  '386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le ' +
  'mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm'
).split(' ');

/**
 * What is wrong with a (normalised) platform no one builds for, a typo like
 * linux/amd46, and what to give instead; undefined when its OS and architecture exist.
 */
export function unknownPlatform(platform: Platform): { message: string; hint: string } | undefined {
  const { os, architecture } = platform;
  if (!KNOWN_OS.includes(os)) {
    const hint = `give linux/ARCH (Linux is what slipway builds), e.g. linux/${architecture}`;
    return { message: `unknown operating system "${os}"`, hint };
  }
  if (KNOWN_ARCHITECTURES.includes(architecture)) return undefined;
  const hint = `give one of ${KNOWN_ARCHITECTURES.join(', ')}; e.g. ${os}/amd64, ${os}/arm/v7`;
  return { message: `unknown architecture "${architecture}"`, hint };
}
