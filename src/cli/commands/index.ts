import type { CommandModule } from '../context.js';
import { artifacts } from './artifacts.js';
import { run } from './run.js';
import { version } from './version.js';

/** Every command, in the order `slipway --help` lists them. */
export const commands: CommandModule[] = [version, artifacts, run];
