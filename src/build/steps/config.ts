import { type Command, expandWord, expandWords, type Instruction } from '../../dockerfile/index.js';
import { InputError } from '../../errors/index.js';
import type { HealthConfig } from '../../image/index.js';
import type { MetadataChange } from '../metadata.js';
import type { StageRun } from '../stage.js';

// Instructions that only change the config, turned into a MetadataChange with
// their words expanded by the ARG/ENV scope as BuildKit expands them (CMD,
// ENTRYPOINT, SHELL and ONBUILD are never expanded).

/** The change an instruction makes, words expanded. */
export function configChange(run: StageRun, instruction: Instruction): MetadataChange {
  const lookup = run.scope.lookupIn(run.state.config.config?.Env ?? []);
  const word = (text: string) => expandWord(text, lookup);
  const shell = run.state.config.config?.Shell ?? ['/bin/sh', '-c'];
  switch (instruction.kind) {
    case 'ENV':
      return { kind: 'ENV', pairs: instruction.env.map((p) => [word(p.key), word(p.value)]) };
    case 'LABEL':
      return { kind: 'LABEL', pairs: instruction.labels.map((p) => [word(p.key), word(p.value)]) };
    case 'EXPOSE':
      return { kind: 'EXPOSE', ports: instruction.ports.flatMap((p) => expandWords(p, lookup)) };
    case 'VOLUME':
      return { kind: 'VOLUME', paths: instruction.volumes.map(word) };
    case 'CMD':
    case 'ENTRYPOINT':
      return { kind: instruction.kind, args: commandArgs(instruction.command, shell) };
    case 'SHELL':
      return { kind: 'SHELL', shell: instruction.shell };
    case 'STOPSIGNAL':
      return { kind: 'STOPSIGNAL', signal: word(instruction.signal) };
    case 'USER':
      return { kind: 'USER', user: word(instruction.user) };
    case 'MAINTAINER':
      return { kind: 'MAINTAINER', name: instruction.maintainer };
    case 'ONBUILD':
      return { kind: 'ONBUILD', expression: instruction.expression };
    case 'HEALTHCHECK':
      return { kind: 'HEALTHCHECK', health: healthConfig(instruction.health, shell) };
    default:
      throw new InputError('UNSUPPORTED_INSTRUCTION', `${instruction.kind} is not supported here`);
  }
}

/** argv of a command: exec form as written, shell form through the SHELL. */
export function commandArgs(command: Command, shell: string[]): string[] {
  return command.form === 'exec' ? command.args : [...shell, command.text];
}

function healthConfig(
  health: Extract<Instruction, { kind: 'HEALTHCHECK' }>['health'],
  _shell: string[],
): HealthConfig {
  if (health.type === 'NONE') return { Test: ['NONE'] };
  const test =
    health.command.form === 'exec'
      ? ['CMD', ...health.command.args]
      : ['CMD-SHELL', health.command.text];
  const config: HealthConfig = { Test: test };
  if (health.intervalNs !== undefined) config.Interval = health.intervalNs;
  if (health.timeoutNs !== undefined) config.Timeout = health.timeoutNs;
  if (health.startPeriodNs !== undefined) config.StartPeriod = health.startPeriodNs;
  if (health.startIntervalNs !== undefined) config.StartInterval = health.startIntervalNs;
  if (health.retries !== undefined) config.Retries = health.retries;
  return config;
}
