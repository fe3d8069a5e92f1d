// The typed forms of RUN, CMD/ENTRYPOINT commands, COPY/ADD and HEALTHCHECK.
import { parseGoDuration } from './duration.js';
import { expandWord } from './expand.js';
import { parseFlags } from './flags.js';
import { chompHeredocContent, mustParseHeredoc } from './heredoc.js';
import type { Request } from './instructions.js';
import { LineError } from './line-parsers.js';
import { parseMount } from './mounts.js';
import type {
  AddInstruction,
  Command,
  CopyInstruction,
  HealthcheckInstruction,
  Heredoc,
  NetworkMode,
  RunInstruction,
  SecurityMode,
} from './types.js';

const NETWORKS: NetworkMode[] = ['default', 'none', 'host'];
const SECURITY: SecurityMode[] = ['sandbox', 'insecure'];
const MIN_INTERVAL_NS = 1e6;

const base = <K extends string>(kind: K, req: Request) => ({
  kind,
  location: req.location,
  original: req.original,
  flags: req.node.flags,
});

/** Exec form when the arguments were a JSON array, else one shell string. */
export function shellOrExec(req: Request, args = req.args): Command {
  return req.node.json ? { form: 'exec', args } : { form: 'shell', text: args.join(' ') };
}

function heredocsOf(req: Request): Heredoc[] {
  return req.node.heredocs.map((heredoc) =>
    heredoc.chomp ? { ...heredoc, content: chompHeredocContent(heredoc.content) } : heredoc,
  );
}

function withNeedle<T>(needle: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof LineError && error.needle === undefined) error.needle = needle;
    throw error;
  }
}

/** RUN with its mounts, network and security modes. */
export function parseRun(req: Request): RunInstruction {
  const flags = parseFlags(req.node.flags, {
    mount: 'strings',
    network: 'string',
    security: 'string',
  });
  if (req.args.length === 0) throw new LineError('RUN requires at least one argument');
  const mountSpecs = flags.lists.get('mount') ?? [];
  const run: RunInstruction = {
    ...base('RUN', req),
    command: shellOrExec(req),
    mounts: mountSpecs.map((spec) => withNeedle(spec, () => parseMount(spec))),
    mountSpecs,
    heredocs: heredocsOf(req),
  };
  const network = flags.strings.get('network');
  if (network !== undefined) {
    if (!NETWORKS.includes(network as NetworkMode)) {
      throw new LineError(
        `unsupported network mode "${network}" (use default, none or host)`,
        `--network=${network}`,
      );
    }
    run.network = network as NetworkMode;
  }
  const security = flags.strings.get('security');
  if (security !== undefined) {
    if (!SECURITY.includes(security as SecurityMode)) {
      throw new LineError(
        `unsupported security mode "${security}" (use sandbox or insecure)`,
        `--security=${security}`,
      );
    }
    run.security = security as SecurityMode;
  }
  return run;
}

/** COPY and ADD: sources, destination, heredoc sources and flags. */
export function parseAddCopy(req: Request): CopyInstruction | AddInstruction {
  const isCopy = req.keyword === 'COPY';
  const common = { chown: 'string', chmod: 'string', link: 'bool', exclude: 'strings' } as const;
  const flags = parseFlags(
    req.node.flags,
    isCopy
      ? { ...common, from: 'string', parents: 'bool' }
      : { ...common, 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool' },
  );
  if (req.args.length < 2) {
    throw new LineError(
      `${req.keyword} requires at least two arguments, but only one was provided. ` +
        'Destination could not be determined.',
    );
  }
  const dest = req.args[req.args.length - 1] as string;
  if (!req.node.json && mustParseHeredoc(dest) !== undefined) {
    throw new LineError(`${req.keyword} cannot accept a heredoc as a destination`, dest);
  }
  const all = heredocsOf(req);
  const sources: string[] = [];
  const heredocs: Heredoc[] = [];
  for (const source of req.args.slice(0, -1)) {
    const marker = req.node.json ? undefined : mustParseHeredoc(source);
    const body = marker && all.find((heredoc) => heredoc.name === marker.name);
    if (body) heredocs.push(body);
    else sources.push(source);
  }
  const common2 = {
    sources,
    dest,
    link: flags.bools.get('link') ?? false,
    exclude: flags.lists.get('exclude') ?? [],
    heredocs,
    json: req.node.json,
    ...optional('chown', flags.strings.get('chown')),
    ...optional('chmod', flags.strings.get('chmod')),
  };
  if (isCopy) {
    return {
      ...base('COPY', req),
      ...common2,
      parents: flags.bools.get('parents') ?? false,
      ...optional('from', fromFlag(flags.strings.get('from'))),
    };
  }
  return {
    ...base('ADD', req),
    ...common2,
    parents: false,
    keepGitDir: flags.bools.get('keep-git-dir') ?? false,
    ...optional('checksum', flags.strings.get('checksum')),
    ...optional('unpack', flags.bools.get('unpack')),
  };
}

// BuildKit resolves --from before any ARG is known: a variable there is an error.
function fromFlag(from: string | undefined): string | undefined {
  if (from === undefined) return undefined;
  let expanded: string;
  try {
    expanded = expandWord(from, {});
  } catch (error) {
    throw new LineError(`--from=${from}: ${(error as Error).message}`, `--from=${from}`);
  }
  if (expanded === from) return from;
  throw new LineError(
    'variable expansion is not supported for --from, ' +
      'define a new stage with FROM using ARG from global scope as a workaround',
    `--from=${from}`,
  );
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function interval(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ns = parseGoDuration(value);
  if (ns !== 0 && ns < MIN_INTERVAL_NS) {
    throw new LineError(`Interval "${name}" cannot be less than 1ms`);
  }
  return ns;
}

/** HEALTHCHECK NONE, or HEALTHCHECK [--interval ...] CMD command. */
export function parseHealthcheck(req: Request): HealthcheckInstruction {
  if (req.args.length === 0) throw new LineError('HEALTHCHECK requires at least one argument');
  const type = (req.args[0] as string).toUpperCase();
  const args = req.args.slice(1);
  if (type === 'NONE') {
    if (args.length !== 0) throw new LineError('HEALTHCHECK NONE takes no arguments');
    return { ...base('HEALTHCHECK', req), health: { type: 'NONE' } };
  }
  const flags = parseFlags(req.node.flags, {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  });
  if (type !== 'CMD') {
    throw new LineError(`Unknown type "${req.args[0]}" in HEALTHCHECK (try CMD)`);
  }
  if (args.length === 0) throw new LineError('Missing command after HEALTHCHECK CMD');
  let retries: number | undefined;
  const rawRetries = flags.strings.get('retries');
  if (rawRetries !== undefined && rawRetries !== '') {
    if (!/^[+-]?\d+$/.test(rawRetries)) {
      throw new LineError(`strconv.ParseInt: parsing "${rawRetries}": invalid syntax`);
    }
    retries = Number.parseInt(rawRetries, 10);
    if (retries < 0) throw new LineError(`--retries cannot be negative (${retries})`);
  }
  const health = {
    type: 'CMD' as const,
    command: shellOrExec(req, args),
    ...optional('intervalNs', interval('interval', flags.strings.get('interval'))),
    ...optional('timeoutNs', interval('timeout', flags.strings.get('timeout'))),
    ...optional('startPeriodNs', interval('start-period', flags.strings.get('start-period'))),
    ...optional('startIntervalNs', interval('start-interval', flags.strings.get('start-interval'))),
    ...optional('retries', retries),
  };
  return { ...base('HEALTHCHECK', req), health };
}
