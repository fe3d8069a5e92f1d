import type { Emit, Masker } from '../log/index.js';
import type { CredentialStore } from './credentials.js';
import type { Lookup } from './expand.js';
import type { Pipeline, Stage } from './model.js';
import type { RunArtifact, StepKind } from './step.js';
import { stepParameters } from './system.js';

// What every step of one run shares: parameters, artifacts, the masker.

export interface RunStateInit {
  pipeline: Pipeline;
  kinds: ReadonlyMap<string, StepKind>;
  workspace: string;
  home: string;
  runDir: string;
  artifactsDir: string;
  cachesDir: string;
  system: ReadonlyMap<string, string>;
  variables: ReadonlyMap<string, string>;
  credentials: CredentialStore;
  masker: Masker;
  emit: Emit;
  config: Readonly<Record<string, string | undefined>>;
  hostTools: boolean;
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Ask for approval; `names` are the asking step's name and displayName. */
  approve(question: string, names: readonly string[]): Promise<boolean>;
}

/** The shared state of a run; outputs of finished stages accumulate in it. */
export class RunState {
  readonly artifacts = new Map<string, RunArtifact>();
  /** Outputs of the stages that finished, later stages over earlier. */
  readonly stageOutputs = new Map<string, string>();

  constructor(private readonly init: RunStateInit) {}

  get pipeline() {
    return this.init.pipeline;
  }
  get kinds() {
    return this.init.kinds;
  }
  get workspace() {
    return this.init.workspace;
  }
  get home() {
    return this.init.home;
  }
  get runDir() {
    return this.init.runDir;
  }
  get artifactsDir() {
    return this.init.artifactsDir;
  }
  get cachesDir() {
    return this.init.cachesDir;
  }
  get credentials() {
    return this.init.credentials;
  }
  get masker() {
    return this.init.masker;
  }
  get emit() {
    return this.init.emit;
  }
  get config() {
    return this.init.config;
  }
  get hostTools() {
    return this.init.hostTools;
  }
  get hostEnv() {
    return this.init.hostEnv;
  }

  approve(question: string, names: readonly string[]): Promise<boolean> {
    return this.init.approve(question, names);
  }

  /** The step's own system parameters (stage and step names). */
  stepSystem(stage: Stage, step: string): Map<string, string> {
    return stepParameters(stage, step);
  }

  /**
   * Parameters as a step sees them. System parameters cannot be shadowed;
   * then a step output (`visible`) wins over the pipeline's variables.
   */
  lookupFor(stage: Stage, step: { name: string }, visible: ReadonlyMap<string, string>): Lookup {
    const own = stepParameters(stage, step.name);
    return (name) =>
      own.get(name) ??
      this.init.system.get(name) ??
      visible.get(name) ??
      this.init.variables.get(name);
  }

  /** Every parameter name a step could see. */
  parameterNames(visible: ReadonlyMap<string, string>): Set<string> {
    return new Set([...this.init.system.keys(), ...visible.keys(), ...this.init.variables.keys()]);
  }
}
