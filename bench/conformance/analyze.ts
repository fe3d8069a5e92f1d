import { type DockerHubImage, dockerHubImage, mirrorable } from '../lab/mirror.js';

/** What a Dockerfile needs from this machine, and the text the builders get. */
export interface Analysis {
  /** Why it cannot run here (needs the internet, apk, ...). */
  skip?: string;
  /** docker.io images the mirror must serve. */
  images: DockerHubImage[];
  /** The Dockerfile with digest pins of mirrored images dropped (the stand-ins differ). */
  text: string;
  notes: string[];
  /** Files whose content differs between any two runs (package manager logs and caches). */
  volatile: string[];
}

/** What apt and dpkg write with the time of the run in it. */
const APT_VOLATILE = [
  '/var/log/',
  '/var/cache/apt/pkgcache.bin',
  '/var/cache/apt/srcpkgcache.bin',
  '/var/cache/ldconfig/aux-cache',
];

/** Dockerfile lines with continuations joined (default escape `\`). */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) && current === '') continue;
    if (/\\\s*$/.test(raw)) {
      current += `${raw.replace(/\\\s*$/, '')} `;
      continue;
    }
    lines.push(current + raw);
    current = '';
  }
  if (current) lines.push(current);
  return lines;
}

function expand(word: string, args: Record<string, string>): string {
  return word.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, braced: string | undefined, modifier: string | undefined, bare: string | undefined) => {
      const value = args[braced ?? bare ?? ''];
      if (modifier?.replace(/^:/, '').startsWith('-') && !value) {
        return modifier.replace(/^:?-/, '');
      }
      return value ?? '';
    },
  );
}

/** Reads the FROM lines and network needs of a Dockerfile (a rough reading, not a parser). */
export function analyzeDockerfile(text: string, buildArgs: Record<string, string> = {}) {
  const analysis: Analysis = { images: [], text, notes: [], volatile: [] };
  const args: Record<string, string> = {};
  const stages = new Set<string>();
  let seenFrom = false;
  for (const line of logicalLines(text)) {
    const [keyword = '', ...rest] = line.trim().split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && !seenFrom) {
      for (const arg of rest) {
        const [name = '', value = ''] = arg.split(/=(.*)/s);
        args[name] = buildArgs[name] ?? expand(value.replace(/^["']|["']$/g, ''), args);
      }
    }
    if (upper === 'FROM') {
      seenFrom = true;
      const words = rest.filter((word) => !word.startsWith('--'));
      const image = expand(words[0] ?? '', { ...args, ...buildArgs });
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.add(words[2].toLowerCase());
      if (image === 'scratch' || stages.has(image.toLowerCase()) || /^\d+$/.test(image)) {
        continue;
      }
      const hub = dockerHubImage(image);
      if (!hub || !mirrorable(hub)) {
        analysis.skip ??= `needs internet: base image ${image} is not served by the mirror`;
        continue;
      }
      if (hub.digest) {
        analysis.text = analysis.text.replace(`@${hub.digest}`, '');
        analysis.notes.push(`digest pin of ${image} dropped (stand-in image)`);
      }
      analysis.images.push(hub);
    }
    if (upper === 'RUN' && /\bapk\s+(add|update|--)/.test(line)) {
      analysis.skip ??= 'needs apk (alpine is served by busybox here)';
    }
    if (upper === 'RUN' && /\b(apt-get|apt|dpkg)\b/.test(line) && !analysis.volatile.length) {
      analysis.volatile.push(...APT_VOLATILE);
    }
    if (upper === 'ADD' && /\bhttps?:\/\//.test(line)) {
      analysis.skip ??= 'needs internet: ADD of a URL';
    }
    if (upper === 'RUN' && /\b(curl|wget|git clone)\b[^|&;]*https?:\/\//.test(line)) {
      analysis.skip ??= 'needs internet: RUN downloads from the web';
    }
  }
  return analysis;
}
