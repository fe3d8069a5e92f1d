import type { RunInstruction } from '../../dockerfile/index.js';
import { StepFailedError } from '../../errors/index.js';
import { stepKey } from '../cache-key.js';
import { getEnv } from '../metadata.js';
import type { ProgressStep } from '../progress.js';
import { resolveUser, runInSandbox, type SandboxMount } from '../sandbox/index.js';
import type { StageRun } from '../stage.js';
import { DEFAULT_PATH } from '../state.js';
import { cachedStep, commitWorkspace } from './commit.js';
import { requireEmulator } from './emulation.js';
import { prepareMounts } from './mounts.js';
import { runArgv } from './run-args.js';

// RUN: the command in the sandbox on a workspace over the stage's layers,
// with the environment Docker gives it (ENV, ARG values, default PATH), the
// SHELL, USER and WORKDIR in effect, and its --mount and --network flags.

const OUTPUT_TAIL_LINES = 10;

/** Run a RUN instruction (or find its result in the cache). */
export async function runRun(run: StageRun, instruction: RunInstruction, step: ProgressStep) {
  const config = run.state.config.config ?? {};
  const env = config.Env ?? [];
  const argv = runArgv(instruction, config.Shell ?? ['/bin/sh', '-c']);
  const argEnv = run.scope.runArgs(env).map(([k, v]) => `${k}=${v}`);
  const processEnv = [...env, ...argEnv];
  if (getEnv(processEnv, 'PATH') === undefined) processEnv.unshift(`PATH=${DEFAULT_PATH}`);
  // RUN --network wins; `default` and no flag take the build's --network (host unless none).
  const chosen = instruction.network === 'default' ? undefined : instruction.network;
  const network = (chosen ?? run.env.options.network ?? 'host') === 'none' ? 'none' : 'host';
  const mounts = await prepareMounts(run, instruction);
  const cwd = config.WorkingDir || '/';
  const key = stepKey(
    run.key,
    'RUN',
    argv,
    processEnv,
    config.User ?? '',
    cwd,
    network,
    mounts.key,
    run.env.options.extraHosts ?? [],
  );
  const createdBy = `RUN ${historyCommand(run, argv)} # buildkit`;

  try {
    if (await cachedStep(run, key)) return step.cached();
    await requireEmulator(run.platform);
    await run.env.images.ensureBlobs(run.state);
    const workspace = await run.env.workspaces.open(run.state);
    try {
      const user = await resolveUser(workspace.root, config.User ?? '');
      const tail: string[] = [];
      const keep = (line: string) => {
        tail.push(line);
        if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      };
      const sandboxMounts: SandboxMount[] = await mounts.open();
      const result = await runInSandbox({
        rootfs: workspace.root,
        args: argv,
        env: [...processEnv, ...mounts.env],
        cwd,
        user,
        network,
        extraHosts: run.env.options.extraHosts,
        mounts: sandboxMounts,
        signal: run.env.signal,
        emit: run.env.options.emit,
        onStdout: (line) => {
          keep(line);
          step.output(line, 'stdout');
        },
        onStderr: (line) => {
          keep(line);
          step.output(line, 'stderr');
        },
      });
      if (result.exitCode !== 0) {
        const { file, line, column } = instruction.location;
        const stage = run.stage.name ?? `stage-${run.stage.index}`;
        // With several platforms, which one failed.
        const name = run.env.platformLabel ? `${stage} for ${run.env.platformLabel}` : stage;
        const why = result.signal ? `killed by ${result.signal}` : `exit code: ${result.exitCode}`;
        throw new StepFailedError(
          `stage ${name}: process ${JSON.stringify(argv.join(' '))} did not complete successfully: ${why}`,
          {
            location: { file, line, column },
            exitCode: result.exitCode,
            outputTail: tail.join('\n'),
          },
        );
      }
      run.state = await commitWorkspace(run, workspace, key, createdBy);
      run.key = key;
    } finally {
      await workspace.release();
    }
  } finally {
    await mounts.close();
  }
}

/** BuildKit's history text for RUN: `|N K=V ... argv` when build args are in scope. */
function historyCommand(run: StageRun, argv: string[]): string {
  const pairs = run.scope.historyArgs(run.state.config.config?.Env ?? []);
  const command = argv.join(' ');
  if (pairs.length === 0) return command;
  const text = `|${pairs.length} ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')} ${command}`;
  return run.env.options.redact?.(text) ?? text;
}
