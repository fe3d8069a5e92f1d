import { join } from 'node:path';
import { InputError } from '../errors/index.js';
import { packArtifact } from '../pipeline/artifacts.js';
import type { StepKind, StepSpec } from '../pipeline/step.js';
import { commandEnv, toolchainRun } from './build-container.js';
import { restoreCaches, saveCaches } from './caches.js';
import { runScript } from './process.js';
import type { ToolchainRuntime } from './toolchain-runtime.js';
import { VERSION_KEYS } from './toolchains.js';

// The build steps (`build@maven`, `gradle`, `nodejs`, `golang`, `python`,
// `gcc`, `ant`, `php`): run `commands` in the workspace, then pack the
// `artifacts` into the run's artifact store.

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface ArtifactSpec {
  name: string;
  path: string[];
}

function commandsOf(spec: StepSpec): string[] {
  const commands = spec.fields.commands;
  if (commands === undefined || commands === null) return [];
  if (typeof commands === 'string') return [commands];
  if (
    Array.isArray(commands) &&
    commands.every((c) => typeof c === 'string' || typeof c === 'number')
  ) {
    return commands.map(String);
  }
  throw new InputError('STEP_FIELD', 'commands must be a list of shell lines', {
    location: spec.locate('commands'),
  });
}

function artifactsOf(spec: StepSpec): ArtifactSpec[] {
  const value = spec.fields.artifacts;
  if (value === undefined || value === null) return [];
  const bad = (why: string) =>
    new InputError('STEP_FIELD', `artifacts: ${why}`, {
      location: spec.locate('artifacts'),
      hint: 'artifacts: [{name: BUILD_ARTIFACT, path: [./target]}]',
    });
  if (!Array.isArray(value)) throw bad('must be a list');
  return value.map((item) => {
    const { name, path } = (item ?? {}) as { name?: unknown; path?: unknown };
    if (typeof name !== 'string' || !(NAME.test(name) || name.startsWith('${'))) {
      throw bad(`name ${JSON.stringify(name)} must be a parameter name such as BUILD_ARTIFACT`);
    }
    const paths = typeof path === 'string' ? [path] : path;
    if (!Array.isArray(paths) || paths.length === 0) throw bad(`${name} needs path: [...]`);
    return { name, path: paths.map(String) };
  });
}

/** The build step kinds, running in toolchain images through `runtime`. */
export function buildToolStep(runtime: ToolchainRuntime): StepKind {
  const versionKeys = new Set(Object.values(VERSION_KEYS).flatMap((keys) => Object.keys(keys)));
  return {
    kinds: Object.keys(VERSION_KEYS),
    keys: ['commands', 'artifacts', 'image', 'goVersion', ...versionKeys],
    rawKeys: ['commands'],
    // Toolchain images are unpacked and mounted; the host's tools need nothing.
    needsRoot: ({ hostTools }) => !hostTools,
    outputs: (spec) => artifactsOf(spec).map((artifact) => artifact.name),
    validate(spec) {
      commandsOf(spec);
      artifactsOf(spec);
    },
    async run(spec, context) {
      const script = commandsOf(spec).join('\n');
      const onLine = (line: string) => context.emit({ kind: 'step.output', message: line });
      const caches = spec.caches ?? [];
      const cachesDir = context.cachesDir ?? join(context.stepDir, 'caches');
      if (context.hostTools) {
        const env = commandEnv(context, context.hostEnv ?? {});
        await restoreCaches(context.workspace, cachesDir, caches, context.emit);
        try {
          await runScript({ script, cwd: context.workspace, env, signal: context.signal, onLine });
        } finally {
          await saveCaches(context.workspace, cachesDir, caches);
        }
      } else {
        await runtime.run(await toolchainRun(spec, context, script, onLine));
      }
      for (const artifact of artifactsOf(spec)) {
        const file = join(
          context.artifactsDir ?? join(context.stepDir, 'artifacts'),
          `${artifact.name}.tar.gz`,
        );
        await packArtifact(context.workspace, artifact.path, file, artifact.name);
        context.addArtifact({ name: artifact.name, file, step: spec.name });
        context.emit({
          kind: 'artifact.packed',
          message: `artifact ${artifact.name}: ${artifact.path.join(', ')}`,
          level: 'info',
        });
      }
    },
  };
}
