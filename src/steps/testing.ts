import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors/index.js';
import type { SlipwayEvent } from '../log/index.js';
import type { Credential, RunArtifact, StepContext, StepSpec } from '../pipeline/step.js';

// A real StepContext for tests of step kinds: temp workspace and state
// folders, an in-memory parameter map, recorded events and outputs.

/** What a test passes to build a context; every part is optional. */
export interface TestContextOptions {
  params?: Record<string, string>;
  credentials?: Record<string, Credential>;
  artifacts?: RunArtifact[];
  config?: Record<string, string | undefined>;
  /** The answer to approval questions; records every question asked. */
  approve?: boolean;
  workspace?: string;
  stateDir?: string;
}

/** A StepContext plus what the step did with it, and a cleanup. */
export interface TestContext extends StepContext {
  params: Map<string, string>;
  events: SlipwayEvent[];
  outputs: Map<string, string>;
  secrets: string[];
  questions: string[];
  artifactsAdded: RunArtifact[];
  /** Lines of `step.output` events, as `scope: line`. */
  lines(): string[];
  cleanup(): Promise<void>;
}

/** Make a context with temp workspace/state folders unless given. */
export async function makeTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-step-'));
  const workspace = options.workspace ?? join(root, 'workspace');
  const stateDir = options.stateDir ?? join(root, 'state');
  const stepDir = join(root, 'step');
  await Promise.all([workspace, stateDir, stepDir].map((dir) => mkdir(dir, { recursive: true })));
  const params = new Map(Object.entries(options.params ?? {}));
  const artifacts = new Map((options.artifacts ?? []).map((a) => [a.name, a]));
  const context: TestContext = {
    workspace,
    stepDir,
    stateDir,
    params,
    config: options.config ?? {},
    signal: new AbortController().signal,
    events: [],
    outputs: new Map(),
    secrets: [],
    questions: [],
    artifactsAdded: [],
    setOutput(key, value) {
      context.outputs.set(key, value);
      params.set(key, value);
    },
    credential(id) {
      const found = options.credentials?.[id];
      if (!found) throw new InputError('CREDENTIAL', `credential "${id}" is not defined`);
      return found;
    },
    artifact(name) {
      const found = artifacts.get(name);
      if (!found) throw new InputError('ARTIFACT', `no artifact "${name}" in this run`);
      return found;
    },
    addArtifact(artifact) {
      artifacts.set(artifact.name, artifact);
      context.artifactsAdded.push(artifact);
    },
    addSecret(value) {
      context.secrets.push(value);
    },
    mask(text) {
      return context.secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);
    },
    emit(event) {
      context.events.push(event);
    },
    async approve(question) {
      context.questions.push(question);
      return options.approve ?? false;
    },
    lines() {
      return context.events
        .filter((e) => e.kind === 'step.output')
        .map((e) => `${e.scope ?? ''}: ${e.message ?? ''}`);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  return context;
}

/** A StepSpec for a test, with locations made up from the key order. */
export function makeSpec(step: string, fields: Record<string, unknown>, name = 'step'): StepSpec {
  const keys = Object.keys(fields);
  return {
    step,
    name,
    fields,
    locate(key) {
      const index = keys.indexOf(key);
      return index < 0 ? undefined : { file: 'pipeline.yml', line: index + 2, column: 5 };
    },
  };
}
