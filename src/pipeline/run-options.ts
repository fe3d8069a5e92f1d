import type { Emit, Masker } from '../log/index.js';
import type { CredentialStore } from './credentials.js';
import type { Checkout } from './git.js';
import type { Pipeline } from './model.js';
import type { StepKind } from './step.js';
import type { TriggerEvent } from './triggers.js';
import type { ProjectVariable } from './variables.js';

/** Everything a run (or its dry-run plan) needs; the CLI fills it in. */
export interface RunOptions {
  pipeline: Pipeline;
  /** The step kinds slipway implements (steps/index.ts `stepKinds`). */
  kinds: readonly StepKind[];
  workspace: string;
  /** The slipway home (statePaths(home)). */
  home: string;
  checkout: Checkout;
  /** `--vars-file` entries. */
  projectVariables: ReadonlyMap<string, ProjectVariable>;
  /** `--var` values. */
  cliVariables: ReadonlyMap<string, string>;
  /** The environment, where `variables.global` names are also looked up. */
  env: Readonly<Record<string, string | undefined>>;
  credentials: CredentialStore;
  masker: Masker;
  emit: Emit;
  signal?: AbortSignal;
  /** `--stage`, `--step`: run only these (by name or displayName). */
  stages?: readonly string[];
  steps?: readonly string[];
  /** `--approve`: manual stages approved in advance. */
  approvals?: readonly string[];
  /** Asks a person (on a terminal); absent when nobody can answer. */
  ask?: (question: string) => Promise<boolean>;
  config?: Readonly<Record<string, string | undefined>>;
  hostTools?: boolean;
  /** The environment host commands start from. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  triggerUser: string;
  event: TriggerEvent;
  /** `--branch`: overrides the checkout's branch. */
  branch?: string;
}
