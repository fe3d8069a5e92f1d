import type { Node, YAMLMap } from 'yaml';
import type { SourceLocation } from '../errors/index.js';

// The pipeline file after validation: what runs, with where each part was written.

/** Branch rules of one trigger event, as Gitee Go writes them. */
export interface BranchRules {
  /** Exact branch names. */
  precise: string[];
  /** Branch name prefixes; `''` matches every branch. */
  prefix: string[];
  /** Exact names, or regular expressions matched against the whole name. */
  include: string[];
  /** Regular expressions matched against the whole name. */
  regex: string[];
  /** Exact names or whole-name regular expressions that never start the pipeline. */
  exclude: string[];
}

/** One event a pipeline listens to: `push` or `pr`. */
export interface EventTrigger {
  branches?: BranchRules;
  /** Commit message rules: regular expressions, searched (not anchored). */
  commitMessages?: { include: string[]; exclude: string[] };
  where: SourceLocation;
}

export interface Triggers {
  /** `auto` starts on events; `manual` only when someone runs it. */
  trigger: 'auto' | 'manual';
  push?: EventTrigger;
  pr?: EventTrigger;
}

/** A pipeline variable with where it was set. */
export interface VariableDefinition {
  value: string;
  where: SourceLocation;
}

export interface Variables {
  values: Map<string, VariableDefinition>;
  /** Names to look up in the project variables file or the environment. */
  global: Array<{ name: string; where: SourceLocation }>;
}

/** A step's `strategy`. */
export interface StepStrategy {
  retry: number;
  /** Milliseconds; undefined falls back to the pipeline's stepTimeout. */
  timeoutMs?: number;
}

/** A step as validated, its fields not yet expanded. */
export interface StepNode {
  step: string;
  name: string;
  displayName?: string;
  dependsOn: string[];
  strategy: StepStrategy;
  caches: string[];
  notify: unknown[];
  /** Every key of the step except the common ones, as plain values. */
  fields: Record<string, unknown>;
  /** The step's YAML map. */
  node: YAMLMap;
  where: SourceLocation;
  /** Where the value of `key` is written (the step itself when the key is absent). */
  locate(key: string): { file: string; line: number; column: number };
}

export interface Stage {
  name: string;
  displayName?: string;
  strategy: 'naturally' | 'fast';
  trigger: 'auto' | 'manual';
  steps: StepNode[];
  where: SourceLocation;
}

export interface PipelineStrategy {
  /** No two runs of this pipeline at once. */
  blocking: boolean;
  /** Default timeout of a step in milliseconds. */
  stepTimeoutMs?: number;
}

/** A whole validated pipeline file. */
export interface Pipeline {
  file: string;
  version: string;
  name: string;
  displayName?: string;
  triggers?: Triggers;
  variables: Variables;
  strategy: PipelineStrategy;
  stages: Stage[];
  /** Locates any node of the file. */
  locate(node: Node | null | undefined): SourceLocation;
}

/** Keys every step accepts whatever its kind. */
export const COMMON_STEP_KEYS = [
  'step',
  'name',
  'displayName',
  'dependsOn',
  'strategy',
  'notify',
  'caches',
] as const;

/**
 * Step kinds Gitee Go knows. A file using one of them loads; running a kind
 * that slipway does not implement is an error at run (and dry-run) time.
 */
export const GITEE_STEP_KINDS = [
  'build@maven',
  'build@gradle',
  'build@nodejs',
  'build@golang',
  'build@python',
  'build@gcc',
  'build@ant',
  'build@php',
  'build@docker',
  'build@dotnet',
  'shell@agent',
  'publish@general_artifacts',
  'publish@release_artifacts',
  'deploy@agent',
  'rolling@agent',
  'deploy@k8s',
  'deploy@helm',
  'tool@review',
] as const;
