import type { CommandModule } from '../context.js';

// Commands are loaded when they run: `slipway pull` need not load the build
// executor, the pipeline runner or their dependencies (YAML, SSH, Kubernetes).

type Loader = () => Promise<CommandModule>;

/** Every command by name, in the order `slipway --help` lists them. */
const loaders: [string, Loader][] = [
  ['build', async () => (await import('./build.js')).build],
  ['run', async () => (await import('./run.js')).run],
  ['dockerfile', async () => (await import('./dockerfile.js')).dockerfile],
  ['pull', async () => (await import('./pull.js')).pull],
  ['push', async () => (await import('./push.js')).push],
  ['copy', async () => (await import('./copy.js')).copy],
  ['inspect', async () => (await import('./inspect.js')).inspect],
  ['images', async () => (await import('./images.js')).images],
  ['login', async () => (await import('./login.js')).login],
  ['logout', async () => (await import('./logout.js')).logout],
  ['artifacts', async () => (await import('./artifacts.js')).artifacts],
  ['version', async () => (await import('./version.js')).version],
];

/** The command `argv` runs, or every command when it names none (help, errors). */
export function loadCommands(argv: readonly string[]): Promise<CommandModule[]> {
  const named = loaders.filter(([name]) => name === argv[0]);
  return Promise.all((named.length > 0 ? named : loaders).map(([, load]) => load()));
}
