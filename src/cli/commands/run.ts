import { readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import {
  credentialStore,
  evaluateTriggers,
  failureOf,
  formatPlan,
  formatTable,
  loadCredentials,
  loadPipeline,
  loadVarsFile,
  parseVarFlags,
  planPipeline,
  type RunOptions,
  readCheckout,
  runPipeline,
  type TriggerEvent,
} from '../../pipeline/index.js';
import { stepKinds } from '../../steps/index.js';
import { slipwayHome } from '../../util/paths.js';
import type { CliContext, CommandModule } from '../context.js';
import type { ProgressMode } from '../render.js';
import { runAgainInUserNamespace } from '../rootless.js';

// `slipway run [FILE|DIR]`: run a Gitee Go pipeline file on this machine.

const collect = (value: string, previous: string[]) => [...previous, value];

interface RunFlags {
  var: string[];
  varsFile?: string;
  credentials?: string;
  branch?: string;
  commit?: string;
  event?: string;
  stage: string[];
  step: string[];
  approve: string[];
  dryRun?: boolean;
  report?: string;
  progress: string;
  hostTools?: boolean;
  toolchains?: string;
  hostGroups?: string;
  artifactConfig?: string;
  insecureRegistry: string[];
}

/** The pipeline file a FILE|DIR argument names; DIR (default: .) looks in .workflow/. */
export async function findPipelineFile(argument: string | undefined, cwd: string): Promise<string> {
  const path = resolve(cwd, argument ?? '.');
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UsageError(`${argument}: no such file or directory`);
  if (info.isFile()) return path;
  const workflow = basename(path) === '.workflow' ? path : join(path, '.workflow');
  const names = (await readdir(workflow).catch(() => [] as string[]))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  if (names.length === 1) return join(workflow, names[0] ?? '');
  if (names.length === 0) {
    throw new UsageError(`no pipeline file in ${workflow}`, {
      hint: 'pass a file: slipway run .workflow/master-pipeline.yml',
    });
  }
  throw new UsageError(`${workflow} holds several pipelines: ${names.join(', ')}`, {
    hint: `name one: slipway run ${join(workflow, names[0] ?? '')}`,
  });
}

/** The repository root: the folder that holds `.workflow/`, else the current folder. */
function workspaceOf(file: string, cwd: string): string {
  const folder = dirname(file);
  return basename(folder) === '.workflow' ? dirname(folder) : cwd;
}

function parseEvent(event: string | undefined): TriggerEvent {
  if (event === undefined || event === 'manual' || event === 'push' || event === 'pr') {
    return (event ?? 'manual') as TriggerEvent;
  }
  throw new UsageError(`--event ${event}: expected push, pr or manual`);
}

async function action(context: CliContext, argument: string | undefined, flags: RunFlags) {
  const cwd = process.cwd();
  const progress = flags.progress as ProgressMode;
  if (!['auto', 'tty', 'plain', 'json'].includes(progress)) {
    throw new UsageError(`--progress ${progress}: expected auto, tty, plain or json`);
  }
  const file = await findPipelineFile(argument, cwd);
  const workspace = workspaceOf(file, cwd);
  const kinds = new Map(stepKinds.flatMap((k) => k.kinds.map((n) => [n, k])));
  const pipeline = await loadPipeline(file, kinds);
  const hostTools = flags.hostTools ?? false;
  const needRoot = pipeline.stages
    .flatMap((stage) => stage.steps)
    .filter((step) => kinds.get(step.step)?.needsRoot?.({ hostTools }));
  if (process.getuid?.() !== 0 && needRoot.length > 0) {
    // Toolchain containers and image builds need root's powers: a regular
    // user's run enters a user namespace, as `slipway build` does.
    await runAgainInUserNamespace(context, progress);
    return;
  }
  const event = parseEvent(flags.event);
  const checkout = await readCheckout(workspace, flags.commit);
  const credentials = flags.credentials
    ? await loadCredentials(resolve(cwd, flags.credentials))
    : credentialStore(new Map());
  const emit = context.events(progress);
  const abort = new AbortController();
  const onInterrupt = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  const options: RunOptions = {
    pipeline,
    kinds: stepKinds,
    workspace,
    home: slipwayHome(context.env),
    checkout,
    projectVariables: flags.varsFile ? await loadVarsFile(resolve(cwd, flags.varsFile)) : new Map(),
    cliVariables: parseVarFlags(flags.var),
    env: context.env,
    credentials,
    masker: context.masker,
    emit,
    signal: abort.signal,
    stages: flags.stage,
    steps: flags.step,
    approvals: flags.approve,
    ask: process.stdin.isTTY && progress !== 'json' ? (q) => askOnTerminal(context, q) : undefined,
    config: {
      credentials: flags.credentials,
      toolchains: flags.toolchains && resolve(cwd, flags.toolchains),
      'host-groups': flags.hostGroups && resolve(cwd, flags.hostGroups),
      'artifact-config': flags.artifactConfig && resolve(cwd, flags.artifactConfig),
      insecureRegistries: flags.insecureRegistry.join(','),
    },
    hostTools,
    hostEnv: context.env,
    triggerUser: context.env.GITEE_PIPELINE_TRIGGER_USER ?? context.env.USER ?? checkout.author,
    event,
    branch: flags.branch,
  };
  const out = (text: string) => context.stdout.write(`${context.masker.mask(text)}\n`);
  try {
    if (flags.event !== undefined || flags.branch !== undefined) {
      const branch = flags.branch ?? checkout.branch;
      const decision = evaluateTriggers(pipeline.triggers, event, branch, checkout.commitMessage);
      out(
        `${event} on ${branch || '(no branch)'}: ${decision.start ? 'would start' : 'would not start'}: ${decision.reason}`,
      );
      if (!decision.start && flags.event !== undefined) return;
    }
    if (flags.dryRun) {
      const plan = await planPipeline(options);
      out(progress === 'json' ? JSON.stringify(plan) : formatPlan(plan));
      return;
    }
    const report = await runPipeline(options);
    out(progress === 'json' ? JSON.stringify(report) : formatTable(report));
    if (flags.report)
      await writeFile(
        resolve(cwd, flags.report),
        context.masker.mask(JSON.stringify(report, null, 2)),
      );
    const failure = failureOf(report);
    if (failure) throw failure;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
}

async function askOnTerminal(context: CliContext, question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: context.stderr });
  try {
    const answer = await terminal.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
}

/** Registers `slipway run`. */
export const run: CommandModule = (program: Command, context) => {
  program
    .command('run')
    .description('run a Gitee Go pipeline file (.workflow/*.yml) on this machine')
    .argument('[file]', 'pipeline file, or a folder whose .workflow/ holds one')
    .option('--var <NAME=VALUE>', 'set a pipeline variable (repeatable)', collect, [])
    .option('--vars-file <file>', 'project variables (YAML or JSON: NAME: value)')
    .option('--credentials <file>', 'credentials by id (YAML or JSON), for type: cert')
    .option('--branch <branch>', 'the branch (GITEE_BRANCH; with --event, for triggers)')
    .option('--commit <commit>', 'the commit (GITEE_COMMIT)')
    .option('--event <event>', 'push, pr or manual: check triggers first')
    .option('--stage <name>', 'run only this stage (repeatable)', collect, [])
    .option('--step <name>', 'run only this step (repeatable)', collect, [])
    .option(
      '--approve <stage>',
      'approve a manual stage, or a rolling step (repeatable)',
      collect,
      [],
    )
    .option('--dry-run', 'print the plan with every parameter resolved; run nothing')
    .option('--report <file>', 'write the run report as JSON')
    .option('--progress <mode>', 'auto, tty, plain or json', 'auto')
    .option('--host-tools', 'run build commands with the tools on this machine')
    .option('--toolchains <file>', 'JSON map of build kind to toolchain image template')
    .option('--host-groups <file>', 'host groups for *@agent steps (default: host-groups.yml)')
    .option('--artifact-config <file>', 'artifact repositories (artifact-repositories.yml)')
    .option(
      '--insecure-registry <host>',
      'a registry to reach over plain HTTP (repeatable)',
      collect,
      [],
    )
    .action((file: string | undefined, flags: RunFlags) => action(context, file, flags));
};
