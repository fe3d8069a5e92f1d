import type { Command } from 'commander';
import { type Emit, Masker } from '../log/index.js';
import { makeRenderer, type ProgressMode } from './render.js';

/** What every command gets from the CLI shell: output, masking, environment. */
export interface CliContext {
  masker: Masker;
  /** The arguments slipway was started with (after the program name). */
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** An event sink for the chosen progress mode. */
  events(mode?: ProgressMode): Emit;
}

export function makeContext(argv: string[] = []): CliContext {
  const masker = new Masker();
  return {
    masker,
    argv,
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    events: (mode = 'auto') => makeRenderer(mode, masker, process.stderr),
  };
}

/** A CLI command: adds itself to the program. One file per command under commands/. */
export type CommandModule = (program: Command, context: CliContext) => void;
