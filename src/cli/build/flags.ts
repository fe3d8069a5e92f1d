import { isIP } from 'node:net';
import {
  type BuildOutput,
  type BuildSecret,
  type NamedContext,
  parseRemoteContext,
} from '../../build/index.js';
import { UsageError } from '../../errors/index.js';
import type { ExportCompression } from '../../registry/index.js';

// The docker build flags whose values are small languages of their own:
// --output, --secret, --build-context, --build-arg, --label.

/** `K=V,K2=V2` as buildx reads it (no quoting). */
function csv(flag: string, text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`invalid ${flag} ${JSON.stringify(text)}: expected key=value,…`);
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1));
  }
  return fields;
}

/** An `--output`, and the image names its `name=` adds to the -t tags. */
export interface OutputFlag {
  output: BuildOutput;
  names: string[];
}

/**
 * `--output type=…,dest=…[,name=REF]`, a bare path (a local directory) or `-` (a tar of
 * the files on stdout), as buildx reads them.
 */
export function parseOutput(text: string): OutputFlag {
  if (text === '-') return { output: { type: 'tar', dest: '-' }, names: [] };
  if (!text.includes('=')) return { output: { type: 'local', dest: text }, names: [] };
  const fields = csv('--output', text);
  const type = fields.get('type') ?? 'local';
  // As buildx: `name=` names the image (a tag, pushed by type=registry or push=true).
  const name = fields.get('name');
  const names = name ? [name] : [];
  for (const key of ['force-compression', 'compression-level', 'oci-mediatypes']) {
    if (!fields.has(key)) continue;
    // buildx takes these; slipway does not do them, and saying so beats ignoring them.
    throw new UsageError(`--output ${key}= is not supported`, {
      hint: 'compression= chooses gzip, zstd or uncompressed for the layers a build makes',
    });
  }
  const compression = compressionOf(fields.get('compression'));
  if (type === 'registry' || (type === 'image' && fields.get('push') === 'true')) {
    return { output: { type: 'registry', ...compression }, names };
  }
  if (type === 'image') return { output: { type: 'store' }, names };
  if (type === 'oci' || type === 'docker') {
    // A tarball unless tar=false; with no dest, buildx writes an oci tarball to stdout.
    const tar = parseTarField(fields.get('tar'));
    const dest = destOf(
      type,
      fields.get('dest') ?? (tar && type === 'oci' ? '-' : undefined),
      !tar,
    );
    if (type === 'docker') return { output: { type, dest, tar }, names };
    return { output: { type, dest, tar, ...compression }, names };
  }
  if (type === 'tar') return { output: { type, dest: fields.get('dest') ?? '-' }, names };
  if (type === 'local')
    return { output: { type, dest: destOf(type, fields.get('dest'), true) }, names };
  throw new UsageError(`unknown --output type ${JSON.stringify(type)}`, {
    hint: 'use one of registry, image, oci, docker, tar, local',
  });
}

/** `tar=` of an oci or docker output: true unless false (Go's ParseBool words). */
function parseTarField(value: string | undefined): boolean {
  if (value === undefined || ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new UsageError(`--output tar=${value}: expected true or false`, {
    hint: 'tar=false writes an OCI layout folder instead of a tarball',
  });
}

/** The dest of an output; a folder cannot be stdout. */
function destOf(type: string, dest: string | undefined, folder: boolean): string {
  if (!dest) throw new UsageError(`--output type=${type} needs dest=PATH`);
  if (dest === '-' && folder) {
    throw new UsageError(`--output type=${type}: a folder cannot be written to stdout (dest=-)`, {
      hint: 'give dest=DIR, or type=tar,dest=- for a tar of the files',
    });
  }
  return dest;
}

/**
 * At most one output writes to stdout, and never to a terminal or beside what
 * --progress prints there (buildx refuses the first two).
 */
export function checkStdoutOutputs(outputs: BuildOutput[], isTTY: boolean, progress: string) {
  const piped = outputs.filter((output) => 'dest' in output && output.dest === '-');
  if (piped.length === 0) return;
  if (piped.length > 1) {
    throw new UsageError('more than one --output writes to stdout (dest=-)', {
      hint: 'give all but one of them dest=FILE',
    });
  }
  const type = (piped[0] as BuildOutput).type;
  if (isTTY) {
    throw new UsageError(
      `--output type=${type},dest=-: refusing to write a tarball to the terminal`,
      {
        hint: 'redirect stdout (> image.tar, | docker load), or give dest=FILE',
      },
    );
  }
  if (progress === 'quiet' || progress === 'json') {
    throw new UsageError(
      `--progress ${progress} prints on stdout, where dest=- writes the tarball`,
      {
        hint: 'use --progress plain with --iidfile or --metadata-file, or give dest=FILE',
      },
    );
  }
}

/** `compression=` of an image output, as buildx takes it (estargz aside). */
function compressionOf(text: string | undefined): { compression?: ExportCompression } {
  if (text === undefined) return {};
  if (text === 'gzip' || text === 'zstd' || text === 'uncompressed') return { compression: text };
  throw new UsageError(`--output compression=${text}: expected gzip, zstd or uncompressed`, {
    hint: 'gzip is the default and what every registry and runtime reads',
  });
}

/**
 * `--add-host NAME:IP` or `NAME=IP` (an IPv6 address may be in brackets), as
 * docker build takes it. `host-gateway` is this machine: RUN shares its network.
 */
export function parseAddHost(text: string): { host: string; ip: string } {
  const match = /^([^:=\s]+)[:=](.+)$/.exec(text);
  const host = match?.[1];
  let ip = match?.[2]?.replace(/^\[(.*)\]$/, '$1');
  if (ip === 'host-gateway') ip = '127.0.0.1';
  const hostname = host !== undefined && /^[A-Za-z0-9_]([A-Za-z0-9._-]*)$/.test(host);
  if (!hostname || !ip || !(isIP(ip) > 0)) {
    throw new UsageError(`invalid --add-host ${JSON.stringify(text)}: expected NAME:IP`, {
      hint: 'for example --add-host db:10.0.0.5, or db=host-gateway for this machine',
    });
  }
  return { host, ip };
}

/** `--network default|host|none`, as docker build takes it; default and host are the host's. */
export function parseNetwork(text: string | undefined): 'host' | 'none' | undefined {
  if (text === undefined) return undefined;
  if (text === 'none') return 'none';
  if (text === 'default' || text === 'host') return 'host';
  throw new UsageError(`--network ${JSON.stringify(text)}: expected default, host or none`, {
    hint: 'RUN steps use the host network by default; --network none cuts them off',
  });
}

/** `--secret id=…,src=FILE` or `id=…,env=VAR` (default: the variable named like the id). */
export function parseSecret(text: string, env: NodeJS.ProcessEnv): BuildSecret {
  const fields = csv('--secret', text);
  const id = fields.get('id');
  if (!id) throw new UsageError(`invalid --secret ${JSON.stringify(text)}: id=… is required`);
  const file = fields.get('src') ?? fields.get('source');
  if (file) return { id, file };
  const variable = fields.get('env') ?? id;
  const value = env[variable];
  if (value === undefined) {
    throw new UsageError(`--secret ${id}: environment variable ${variable} is not set`, {
      hint: `set ${variable}, or give the secret as a file with src=PATH`,
    });
  }
  return { id, value };
}

/**
 * `--build-context NAME=PATH|docker-image://REF|oci-layout://DIR[:TAG|@DIGEST]`, or a git
 * repository (`URL#REF:DIR`, `git@HOST:REPO`) or an https URL of a tarball.
 */
export function parseBuildContext(text: string): [string, NamedContext] {
  const eq = text.indexOf('=');
  if (eq <= 0)
    throw new UsageError(`invalid --build-context ${JSON.stringify(text)}: expected NAME=VALUE`);
  const name = text.slice(0, eq);
  const value = text.slice(eq + 1);
  if (value === '') {
    throw new UsageError(`--build-context ${name}= needs a value`, {
      hint: 'give NAME=PATH, docker-image://REF, oci-layout://DIR, a git URL or a tarball URL',
    });
  }
  if (value.startsWith('docker-image://')) {
    return [name, { kind: 'image', reference: value.slice('docker-image://'.length) }];
  }
  if (value.startsWith('oci-layout://')) {
    const rest = value.slice('oci-layout://'.length);
    const at = rest.lastIndexOf('@');
    const colon = rest.lastIndexOf(':');
    if (at > 0)
      return [name, { kind: 'oci-layout', dir: rest.slice(0, at), selector: rest.slice(at + 1) }];
    if (colon > rest.lastIndexOf('/')) {
      return [
        name,
        { kind: 'oci-layout', dir: rest.slice(0, colon), selector: rest.slice(colon + 1) },
      ];
    }
    return [name, { kind: 'oci-layout', dir: rest }];
  }
  const remote = parseRemoteContext(value);
  if (remote) return [name, remote];
  if (/^[a-z]+:\/\//.test(value)) {
    throw new UsageError(`--build-context ${name}: unsupported source ${value}`, {
      hint: 'use a directory, docker-image://REF, oci-layout://DIR, a git URL or an https URL',
    });
  }
  return [name, { kind: 'dir', path: value }];
}

/** One `--build-arg` split into its name and value (undefined for a bare name). */
export function splitBuildArg(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (name.trim() === '') {
    throw new UsageError(`invalid --build-arg ${JSON.stringify(text)}: empty name`, {
      hint: 'write --build-arg NAME=VALUE, or --build-arg NAME to take $NAME',
    });
  }
  return [name, eq < 0 ? undefined : text.slice(eq + 1)];
}

/** `--build-arg K=V`; a bare `K` takes the value of the environment variable K, if set. */
export function parseBuildArgs(values: string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const args: Record<string, string> = {};
  for (const text of values) {
    const [name, value] = splitBuildArg(text);
    if (value !== undefined) args[name] = value;
    else if (env[name] !== undefined) args[name] = env[name] as string;
  }
  return args;
}

/** `--label K=V` (a bare K is an empty label). */
export function parseLabels(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq < 0) labels[value] = '';
    else labels[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return labels;
}
