import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { InputError } from '../errors/index.js';
import { findCycle } from './graph.js';
import type { Pipeline, PipelineStrategy, Stage, StepNode } from './model.js';
import { Problems } from './problems.js';
import { type KindInfo, readStep } from './read-step.js';
import { readTriggers, readVariables } from './read-triggers.js';
import { Reader } from './reader.js';
import { didYouMean } from './suggest.js';
import { child, YamlFile } from './yaml-file.js';

// Loading a pipeline file: parse, validate every part, and fail with every
// problem at once, each naming its file, line and column.

const TOP_KEYS = [
  'version',
  'name',
  'displayName',
  'triggers',
  'variables',
  'stages',
  'strategy',
  'stepTimeout',
];
const STAGE_KEYS = ['stage', 'name', 'displayName', 'strategy', 'trigger', 'steps', 'executor'];

/** Parse and validate pipeline text; `kinds` are the step kinds slipway runs. */
export function parsePipeline(
  file: string,
  text: string,
  kinds: ReadonlyMap<string, KindInfo>,
): Pipeline {
  const yaml = new YamlFile(file, text);
  const problems = new Problems();
  const reader = new Reader(yaml, problems);
  const root = yaml.root;
  if (root === null || (isScalar(root) && root.value === null)) {
    throw new InputError('PIPELINE_INVALID', `${file} is empty`, {
      hint: "a pipeline starts with version: '1.0', name: and stages:",
    });
  }
  if (!isMap(root)) {
    throw new InputError('PIPELINE_INVALID', 'a pipeline file must be a mapping', {
      location: yaml.at(root),
    });
  }
  reader.keys(root, TOP_KEYS, 'the pipeline');
  const version = optionalString(reader, root, 'version') ?? '1.0';
  if (version !== '1.0') reader.problem(child(root, 'version'), `version must be '1.0'`);
  const name = optionalString(reader, root, 'name');
  if (name === undefined && child(root, 'name') === undefined) {
    reader.problem(root, 'the pipeline needs a "name"');
  }
  const triggersNode = child(root, 'triggers');
  const pipeline: Pipeline = {
    file,
    version,
    name: name ?? '',
    displayName: optionalString(reader, root, 'displayName'),
    triggers: triggersNode === undefined ? undefined : readTriggers(reader, triggersNode),
    variables: readVariables(reader, child(root, 'variables')),
    strategy: readStrategy(reader, root),
    stages: readStages(reader, child(root, 'stages'), kinds),
    locate: (node) => yaml.at(node),
  };
  checkNames(reader, pipeline.stages);
  problems.throwIfAny();
  return pipeline;
}

/** Read and validate a pipeline file from disk. */
export async function loadPipeline(
  file: string,
  kinds: ReadonlyMap<string, KindInfo>,
): Promise<Pipeline> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError('PIPELINE_NOT_FOUND', `reading pipeline ${file}: ${error.code}`, {
      cause: error,
    });
  });
  return parsePipeline(file, text, kinds);
}

function optionalString(reader: Reader, map: YAMLMap, key: string): string | undefined {
  const node = child(map, key);
  return node === undefined ? undefined : reader.string(node, key);
}

function readStrategy(reader: Reader, root: YAMLMap): PipelineStrategy {
  const strategy: PipelineStrategy = { blocking: false };
  const node = child(root, 'strategy');
  const map = node === undefined ? undefined : reader.map(node, 'strategy');
  if (map) {
    reader.keys(map, ['blocking', 'stepTimeout'], 'strategy');
    const blocking = child(map, 'blocking');
    if (blocking !== undefined) strategy.blocking = reader.boolean(blocking, 'blocking') ?? false;
    const timeout = child(map, 'stepTimeout');
    if (timeout !== undefined) strategy.stepTimeoutMs = reader.duration(timeout, 'stepTimeout');
  }
  const top = child(root, 'stepTimeout');
  if (top !== undefined) strategy.stepTimeoutMs = reader.duration(top, 'stepTimeout');
  return strategy;
}

function readStages(
  reader: Reader,
  node: Node | null | undefined,
  kinds: ReadonlyMap<string, KindInfo>,
): Stage[] {
  if (node === undefined) return reader.problem(null, 'the pipeline needs "stages"') ?? [];
  if (!isSeq(node)) return reader.problem(node, 'stages must be a list') ?? [];
  const stages: Stage[] = [];
  for (const item of node.items as Node[]) {
    let map = reader.map(item, 'a stage');
    if (!map) continue;
    // The old form nests the stage under `- stage:`, or leaves `stage:` empty.
    const nested = child(map, 'stage');
    if (isMap(nested)) map = nested;
    else if (nested !== undefined && !(isScalar(nested) && nested.value === null)) {
      reader.problem(nested, 'stage: must be empty or a mapping (the old `- stage:` form)');
    }
    reader.keys(map, STAGE_KEYS, 'a stage');
    const stage = readStage(reader, map, kinds);
    if (stage) stages.push(stage);
  }
  if (stages.length === 0 && node.items.length === 0) reader.problem(node, 'stages is empty');
  return stages;
}

function readStage(reader: Reader, map: YAMLMap, kinds: ReadonlyMap<string, KindInfo>) {
  const name = optionalString(reader, map, 'name');
  if (name === undefined) return reader.problem(map, 'a stage needs a "name"');
  const strategyNode = child(map, 'strategy');
  const triggerNode = child(map, 'trigger');
  const stepsNode = child(map, 'steps');
  const steps: StepNode[] = [];
  if (stepsNode === undefined || !isSeq(stepsNode)) {
    reader.problem(stepsNode ?? map, `stage ${name} needs "steps", a list`);
  } else {
    for (const item of stepsNode.items as Node[]) {
      const step = readStep(reader, item, kinds);
      if (step) steps.push(step);
    }
  }
  const stage: Stage = {
    name,
    displayName: optionalString(reader, map, 'displayName'),
    strategy:
      strategyNode === undefined
        ? 'naturally'
        : (reader.choice(strategyNode, ['naturally', 'fast'] as const, 'stage strategy') ??
          'naturally'),
    trigger:
      triggerNode === undefined
        ? 'auto'
        : (reader.choice(triggerNode, ['auto', 'manual'] as const, 'stage trigger') ?? 'auto'),
    steps,
    where: reader.at(map),
  };
  return stage;
}

/** Unique stage and step names; dependsOn within the stage and without cycles. */
function checkNames(reader: Reader, stages: Stage[]): void {
  const stageNames = new Set<string>();
  const stepStage = new Map<string, string>();
  for (const stage of stages) {
    if (stageNames.has(stage.name)) {
      reader.problems.add(stage.where, `duplicate stage name "${stage.name}"`);
    }
    stageNames.add(stage.name);
    for (const step of stage.steps) {
      if (stepStage.has(step.name)) {
        const where = reader.yaml.valueAt(step.node, 'name');
        reader.problems.add(where, `duplicate step name "${step.name}"`);
      }
      stepStage.set(step.name, stage.name);
    }
  }
  for (const stage of stages) {
    const local = stage.steps.map((step) => step.name);
    for (const step of stage.steps) {
      for (const dependency of step.dependsOn) {
        const where = reader.yaml.valueAt(step.node, 'dependsOn');
        const other = stepStage.get(dependency);
        if (dependency === step.name) {
          reader.problems.add(where, `step ${step.name} depends on itself`);
        } else if (other !== undefined && other !== stage.name) {
          reader.problems.add(
            where,
            `dependsOn "${dependency}": that step is in stage ${other}; dependsOn names ` +
              `steps of the same stage (stages already run in order)`,
          );
        } else if (other === undefined) {
          const hint = didYouMean(dependency, local);
          reader.problems.add(where, `dependsOn names a missing step "${dependency}"${hint}`);
        }
      }
    }
    const cycle = findCycle(stage.steps);
    if (cycle && cycle.length > 2) {
      const first = stage.steps.find((s) => s.name === cycle[0]);
      const where = first ? reader.yaml.valueAt(first.node, 'dependsOn') : stage.where;
      reader.problems.add(where, `dependsOn makes a cycle: ${cycle.join(' -> ')}`);
    }
  }
}
