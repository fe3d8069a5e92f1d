// The environment a process gets in Docker's containers: the caller's
// entries, with PATH, HOSTNAME and HOME filled in where they are missing.

/** Docker's PATH for a Linux container whose environment has none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The hostname BuildKit gives RUN containers. */
export const DEFAULT_HOSTNAME = 'buildkitsandbox';

/** `env` with Docker's defaults added; a later entry for the same key wins. */
export function containerEnv(env: readonly string[], hostname: string, home: string): string[] {
  const byKey = new Map<string, string>();
  for (const entry of env) {
    const eq = entry.indexOf('=');
    byKey.set(eq < 0 ? entry : entry.slice(0, eq), entry);
  }
  const defaults: [string, string][] = [
    ['PATH', DEFAULT_PATH],
    ['HOSTNAME', hostname],
    ['HOME', home],
  ];
  for (const [key, value] of defaults) {
    if (!byKey.has(key)) byKey.set(key, `${key}=${value}`);
  }
  return [...byKey.values()];
}

/** The /etc/hosts a sandbox sees; it is bind-mounted, never written into a layer. */
export function hostsFile(hostname: string, extra: { host: string; ip: string }[] = []): string {
  const lines = [
    `127.0.0.1\tlocalhost ${hostname}`,
    '::1\tlocalhost ip6-localhost ip6-loopback',
    ...extra.map(({ host, ip }) => `${ip}\t${host}`),
  ];
  return `${lines.join('\n')}\n`;
}
