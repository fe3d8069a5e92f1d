import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option } from 'commander';
import {
  chainCredentials,
  dockerConfigCredentials,
  dockerConfigPath,
  environmentCredentials,
} from '../../auth/index.js';
import {
  type BuildOptions,
  type BuildResult,
  buildImage,
  parseRemoteContext,
} from '../../build/index.js';
import { SlipwayError, UsageError } from '../../errors/index.js';
import type { Emit } from '../../log/index.js';
import {
  checkStdoutOutputs,
  parseAddHost,
  parseBuildArgs,
  parseBuildContext,
  parseLabels,
  parseNetwork,
  parseOutput,
  parseSecret,
} from '../build/flags.js';
import { buildMetadata } from '../build/metadata-file.js';
import { readStdinInputs } from '../build/stdin.js';
import { ttyBuildView } from '../build/tty-view.js';
import type { CommandModule } from '../context.js';
import { failureEvent, ReportedError } from '../exit.js';
import type { ProgressMode } from '../render.js';
import { runAgainInUserNamespace } from '../rootless.js';

// `slipway build`: docker build's flags and meanings, no daemon.

const collect = (value: string, previous: string[]) => [...previous, value];

/** A secret file's text, so the masker hides it in RUN output; buildImage checks the file. */
async function readSecretFile(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.length > 64 * 1024 ? '' : text;
}

/** Write an --iidfile or --metadata-file; a folder that is not there is the user's to make. */
async function writeResultFile(flag: string, path: string, text: string): Promise<void> {
  await writeFile(path, text).catch((error: NodeJS.ErrnoException) => {
    const why =
      { ENOENT: 'its folder does not exist', EISDIR: 'it is a directory' }[error.code ?? ''] ??
      error.message;
    throw new SlipwayError('WRITE_FAILED', `${flag} ${path}: cannot write: ${why}`, {
      cause: error,
      hint: `the image is built and stored; give ${flag} a file in an existing folder`,
    });
  });
}

/** Before the build: a result file whose folder is missing would fail only after a push. */
async function checkResultFile(flag: string, path: string | undefined): Promise<void> {
  if (path === undefined) return;
  const folder = await stat(dirname(resolve(path))).catch(() => undefined);
  const target = await stat(path).catch(() => undefined);
  const why = !folder?.isDirectory()
    ? 'its folder does not exist'
    : target?.isDirectory()
      ? 'it is a directory'
      : undefined;
  if (why === undefined) return;
  throw new UsageError(`${flag} ${path}: cannot write: ${why}`, {
    hint: `give ${flag} a file in an existing folder`,
  });
}

interface BuildFlags {
  file?: string;
  tag: string[];
  buildArg: string[];
  target?: string;
  label: string[];
  cache: boolean;
  pull?: boolean;
  push?: boolean;
  network?: string;
  output: string[];
  iidfile?: string;
  metadataFile?: string;
  secret: string[];
  buildContext: string[];
  platform: string[];
  progress: ProgressMode;
  quiet?: boolean;
  addHost: string[];
  insecureRegistry: string[];
}

export const build: CommandModule = (program, context) => {
  program
    .command('build')
    .description('build an image from a Dockerfile and a context')
    .argument(
      '<context>',
      'the context: a directory, a git URL (URL#REF:DIR), a tarball URL, or - for stdin ' +
        '(a context tarball, or a Dockerfile and no context)',
    )
    .option('-f, --file <path>', 'the Dockerfile (default: CONTEXT/Dockerfile; - reads stdin)')
    .option('-t, --tag <ref>', 'name the image; repeat for more names', collect, [])
    .option('--build-arg <key[=value]>', 'set a build argument', collect, [])
    .option('--target <stage>', 'build this stage and what it needs')
    .option('--label <key=value>', 'set a label on the image', collect, [])
    .option('--no-cache', 'run every step, using no cached result')
    .option('--pull', 'resolve base images from their registry even if stored locally')
    .option('--network <mode>', 'the network of RUN steps: default (host), host or none')
    .option(
      '--add-host <host:ip>',
      'add a line to /etc/hosts of RUN steps (host-gateway is this machine)',
      collect,
      [],
    )
    .option('--push', 'push every tag to its registry')
    .option(
      '-o, --output <spec>',
      'type=registry|image|oci|docker|tar|local,dest=PATH (oci, docker: a tarball unless ' +
        'tar=false; dest=- or -o - writes the tarball to stdout)',
      collect,
      [],
    )
    .option('--iidfile <file>', 'write the image ID (config digest) to a file')
    .option('--metadata-file <file>', 'write the build result as JSON')
    .option(
      '--secret <spec>',
      'id=ID,src=FILE or id=ID,env=VAR for RUN --mount=type=secret',
      collect,
      [],
    )
    .option(
      '--build-context <name=value>',
      'a named context: PATH, docker-image://REF, oci-layout://DIR, a git URL or a tarball URL',
      collect,
      [],
    )
    .option(
      '--platform <os/arch,…>',
      'the platforms to build for, comma-separated or repeated (several: an index)',
      collect,
      [],
    )
    .addOption(
      new Option(
        '--progress <mode>',
        'how to show progress; json: one event a line on stderr (a failure as a ' +
          '"kind":"error" event), then the result as one JSON line on stdout',
      )
        .choices(['auto', 'tty', 'plain', 'json', 'quiet'])
        .default('auto'),
    )
    .option('-q, --quiet', 'print only the image ID (--progress quiet), as docker build -q')
    .option(
      '--insecure-registry <host>',
      'reach this registry over HTTP or unverified TLS',
      collect,
      [],
    )
    .action(async (contextArg: string, flags: BuildFlags) => {
      const env = context.env;
      if (process.getuid?.() !== 0) {
        // A regular user builds in a user namespace: this same command, run again there.
        await runAgainInUserNamespace(context, flags.quiet ? 'quiet' : flags.progress);
        return;
      }
      // Ctrl-C stops the running steps and removes their snapshots before exiting.
      const interrupt = new AbortController();
      const onInterrupt = () => interrupt.abort(new Error('interrupted'));
      const secrets = flags.secret.map((s) => parseSecret(s, env));
      for (const secret of secrets) {
        const value = 'value' in secret ? secret.value : await readSecretFile(secret.file);
        for (const line of value.split('\n')) context.masker.add(line.trim());
      }
      const mode = progressMode(flags, context.stderr.isTTY === true);
      const outputs = flags.output.map(parseOutput);
      const terminal = context.stdout.isTTY === true;
      checkStdoutOutputs(
        outputs.map((output) => output.output),
        terminal,
        mode,
      );
      await checkResultFile('--iidfile', flags.iidfile);
      await checkResultFile('--metadata-file', flags.metadataFile);
      const view = mode === 'tty' ? ttyBuildView(context.masker, context.stderr) : undefined;
      const emit: Emit = view?.emit ?? context.events(mode);
      const epoch = env.SOURCE_DATE_EPOCH;
      const buildArgs = parseBuildArgs(flags.buildArg, env);
      const sourceDateEpoch = buildArgs.SOURCE_DATE_EPOCH ?? epoch;
      if (sourceDateEpoch !== undefined && !/^\d+$/.test(sourceDateEpoch)) {
        throw new UsageError(`SOURCE_DATE_EPOCH must be whole seconds, not ${sourceDateEpoch}`);
      }
      // `-` as the context or -f: stdin, saved to a temp folder until the build ends.
      const fromStdin = await readStdinInputs(contextArg, flags.file, process.stdin);
      const contextPath = fromStdin.contextDir ?? contextArg;
      const file = fromStdin.dockerfile ?? flags.file;
      // A repository or URL context is fetched by the build; -f is then a path inside it.
      const remoteContext = parseRemoteContext(contextArg);
      const dockerfile = remoteContext
        ? (file ?? 'Dockerfile')
        : file
          ? resolve(file)
          : resolve(contextPath, 'Dockerfile');
      const options: BuildOptions = {
        contextDir: remoteContext ? '.' : resolve(contextPath),
        remoteContext,
        dockerfile,
        tags: [...flags.tag, ...outputs.flatMap((output) => output.names)],
        buildArgs,
        target: flags.target,
        noCache: !flags.cache,
        push: flags.push ?? false,
        platforms: flags.platform.length > 0 ? flags.platform : undefined,
        credentials: chainCredentials(
          environmentCredentials(env),
          dockerConfigCredentials({ path: dockerConfigPath(env) }),
        ),
        insecureRegistries: flags.insecureRegistry,
        emit,
        labels: parseLabels(flags.label),
        secrets,
        buildContexts: Object.fromEntries(flags.buildContext.map(parseBuildContext)),
        outputs: outputs.map((output) => output.output),
        stdout: context.stdout,
        pull: flags.pull ?? false,
        network: parseNetwork(flags.network),
        extraHosts: flags.addHost.map(parseAddHost),
        sourceDateEpoch: sourceDateEpoch === undefined ? undefined : Number(sourceDateEpoch),
        signal: interrupt.signal,
        redact: (text) => context.masker.mask(text),
      };
      process.once('SIGINT', onInterrupt);
      process.once('SIGTERM', onInterrupt);
      try {
        const result = await buildImage(options);
        view?.finish();
        if (flags.iidfile) await writeResultFile('--iidfile', flags.iidfile, result.configDigest);
        if (flags.metadataFile) {
          const metadata = `${JSON.stringify(buildMetadata(result, options.tags), null, 2)}\n`;
          await writeResultFile('--metadata-file', flags.metadataFile, metadata);
        }
        if (mode !== 'quiet' && mode !== 'json') {
          // The image ID (what -q and --iidfile give) and the manifest that was sent or
          // stored, named apart: they are different digests of one image.
          const lines = result.manifests
            ? [`index ${result.digest}`]
            : [`image id ${result.configDigest}`, `manifest ${result.digest}`];
          context.stderr.write(`${lines.join('\n')}\n`);
        }
        // The image id, as docker build --quiet prints it (the --iidfile content).
        if (mode === 'quiet') context.stdout.write(`${result.configDigest}\n`);
        if (mode === 'json') context.stdout.write(`${JSON.stringify(resultLine(result))}\n`);
      } catch (error) {
        view?.finish();
        const failure = interrupt.signal.aborted
          ? new SlipwayError('INTERRUPTED', 'build interrupted: running steps stopped', {
              cause: error,
              hint: 'nothing was kept of the unfinished steps, and no manifest was pushed; run it again',
            })
          : error;
        if (mode !== 'json') throw failure;
        const event = failureEvent(failure);
        emit(event);
        throw new ReportedError(event.status);
      } finally {
        process.removeListener('SIGINT', onInterrupt);
        process.removeListener('SIGTERM', onInterrupt);
        await fromStdin.cleanup();
      }
    });
};

/** How progress is shown: -q is quiet; auto is the live view on a terminal, else plain lines. */
function progressMode(flags: BuildFlags, terminal: boolean): Exclude<ProgressMode, 'auto'> {
  if (flags.quiet) return 'quiet';
  if (flags.progress !== 'auto') return flags.progress;
  return terminal ? 'tty' : 'plain';
}

/** The result of a build as `--progress json` prints it on stdout. */
function resultLine(result: BuildResult) {
  return {
    kind: 'build.result',
    digest: result.digest,
    configDigest: result.configDigest,
    references: result.references,
  };
}
