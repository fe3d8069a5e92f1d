import { InputError } from '../errors/index.js';
import type { ContainerConfig, HealthConfig } from '../image/index.js';
import { goQuoteList } from './go-format.js';

// How the instructions that only change the image config change it, exactly
// as BuildKit's Dockerfile front end does, and the `created_by` string
// BuildKit writes into the history for each.

/** A metadata instruction with its words already expanded. */
export type MetadataChange =
  | { kind: 'ENV'; pairs: [string, string][] }
  | { kind: 'LABEL'; pairs: [string, string][] }
  | { kind: 'EXPOSE'; ports: string[] }
  | { kind: 'VOLUME'; paths: string[] }
  | { kind: 'CMD' | 'ENTRYPOINT'; args: string[] }
  | { kind: 'HEALTHCHECK'; health: HealthConfig }
  | { kind: 'STOPSIGNAL'; signal: string }
  | { kind: 'SHELL'; shell: string[] }
  | { kind: 'ONBUILD'; expression: string }
  | { kind: 'USER'; user: string }
  | { kind: 'MAINTAINER'; name: string }
  | { kind: 'ARG'; declared: string[] };

/** What a stage remembers between its instructions (ENTRYPOINT resets a CMD set before it). */
export interface StageFlags {
  cmdSet: boolean;
}

/** Apply one change to a copy of `config`; returns the new config and the history text. */
export function applyMetadata(
  config: ContainerConfig,
  change: MetadataChange,
  flags: StageFlags,
): { config: ContainerConfig; createdBy: string; author?: string } {
  const next: ContainerConfig = structuredClone(config);
  switch (change.kind) {
    case 'ENV':
      for (const [key, value] of change.pairs) next.Env = setEnv(next.Env ?? [], key, value);
      return { config: next, createdBy: `ENV ${pairsText(change.pairs)}` };
    case 'LABEL':
      next.Labels = { ...(next.Labels ?? {}) };
      for (const [key, value] of change.pairs) next.Labels[key] = value;
      return { config: next, createdBy: `LABEL ${pairsText(change.pairs)}` };
    case 'EXPOSE': {
      const ports = [...new Set(change.ports.flatMap(expandPortSpec))].sort();
      next.ExposedPorts = { ...(next.ExposedPorts ?? {}) };
      for (const port of ports) next.ExposedPorts[port] = {};
      return { config: next, createdBy: `EXPOSE map[${ports.map((p) => `${p}:{}`).join(' ')}]` };
    }
    case 'VOLUME':
      next.Volumes = { ...(next.Volumes ?? {}) };
      for (const path of change.paths) next.Volumes[path] = {};
      return { config: next, createdBy: `VOLUME [${change.paths.join(' ')}]` };
    case 'CMD':
      next.Cmd = change.args;
      flags.cmdSet = true;
      return { config: next, createdBy: `CMD ${goQuoteList(change.args)}` };
    case 'ENTRYPOINT':
      next.Entrypoint = change.args;
      if (!flags.cmdSet) next.Cmd = null;
      return { config: next, createdBy: `ENTRYPOINT ${goQuoteList(change.args)}` };
    case 'HEALTHCHECK':
      next.Healthcheck = change.health;
      return { config: next, createdBy: `HEALTHCHECK ${healthText(change.health)}` };
    case 'STOPSIGNAL':
      next.StopSignal = change.signal;
      return { config: next, createdBy: `STOPSIGNAL ${change.signal}` };
    case 'SHELL':
      next.Shell = change.shell;
      return { config: next, createdBy: `SHELL [${change.shell.join(' ')}]` };
    case 'ONBUILD':
      next.OnBuild = [...(next.OnBuild ?? []), change.expression];
      return { config: next, createdBy: `ONBUILD ${change.expression}` };
    case 'USER':
      next.User = change.user;
      return { config: next, createdBy: `USER ${change.user}` };
    case 'MAINTAINER':
      return { config: next, createdBy: `MAINTAINER ${change.name}`, author: change.name };
    case 'ARG':
      return { config: next, createdBy: `ARG ${change.declared.join(' ')}` };
  }
}

/** Set `key=value` in an environment list, replacing an earlier value in place. */
export function setEnv(env: string[], key: string, value: string): string[] {
  const entry = `${key}=${value}`;
  const index = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (index < 0) return [...env, entry];
  const next = [...env];
  next[index] = entry;
  return next;
}

/** The value of `key` in an environment list. */
export function getEnv(env: readonly string[] | undefined, key: string): string | undefined {
  const entry = env?.find((e) => e.startsWith(`${key}=`));
  return entry?.slice(key.length + 1);
}

function pairsText(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** `80` -> `80/tcp`, `8000-8001/udp` -> both ports, as docker's nat.ParsePortSpecs. */
export function expandPortSpec(spec: string): string[] {
  const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  const start = Number(match?.[1]);
  const end = match?.[2] === undefined ? start : Number(match[2]);
  const proto = match?.[3] ?? 'tcp';
  if (!match || end < start || end > 65535) {
    throw new InputError(
      'BAD_PORT',
      `invalid port ${JSON.stringify(spec)}: expected PORT[-PORT][/tcp|udp|sctp]`,
      { hint: 'write EXPOSE 8080, EXPOSE 8080/udp or EXPOSE 7000-7002' },
    );
  }
  const ports: string[] = [];
  for (let port = start; port <= end; port += 1) ports.push(`${port}/${proto.toLowerCase()}`);
  return ports;
}

function healthText(health: HealthConfig): string {
  const duration = (ns: number | undefined) => `"${goDuration(ns ?? 0)}"`;
  const retries = health.Retries ?? 0;
  const parts = [
    goQuoteList(health.Test ?? []),
    duration(health.Interval),
    duration(health.Timeout),
    duration(health.StartPeriod),
    duration(health.StartInterval),
    `'${retries < 32 ? `\\x${retries.toString(16).padStart(2, '0')}` : String.fromCharCode(retries)}'`,
  ];
  return `&{${parts.join(' ')}}`;
}

/** A nanosecond count as Go's time.Duration prints it (`30s`, `1m30s`, `0s`). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const units: [string, number][] = [
    ['h', 3600e9],
    ['m', 60e9],
  ];
  let rest = ns;
  let text = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  if (rest > 0 || text === '') {
    const seconds = rest / 1e9;
    text += ns < 1e9 ? `${ns / 1e6}ms` : `${seconds}s`;
  } else if (text.endsWith('m') || text.endsWith('h')) {
    text += text.endsWith('h') ? '0m0s' : '0s';
  }
  return text;
}
