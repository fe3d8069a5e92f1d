import type { CommandModule } from '../context.js';
import { artifacts } from './artifacts.js';
import { build } from './build.js';
import { copy } from './copy.js';
import { dockerfile } from './dockerfile.js';
import { inspect } from './inspect.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { pull } from './pull.js';
import { push } from './push.js';
import { run } from './run.js';
import { version } from './version.js';

/** Every command, in the order `slipway --help` lists them. */
export const commands: CommandModule[] = [
  build,
  run,
  dockerfile,
  pull,
  push,
  copy,
  inspect,
  login,
  logout,
  artifacts,
  version,
];
