// Stages: references by name or index, the dependency graph, the set a target needs.
import { DockerfileError, didYouMean } from './errors.js';
import type { ParsedDockerfile } from './parse.js';
import type { Location, Stage } from './types.js';

/** Why one stage needs another. */
export interface StageEdge {
  from: number;
  to: number;
  via: 'FROM' | 'COPY --from' | 'RUN --mount';
  location: Location;
  /** The stage reference as written (after expansion). */
  ref: string;
}

/** Expands a word of a stage (FROM image, --from values); identity by default. */
export type StageWordExpander = (word: string, stageIndex: number) => string;

const identity: StageWordExpander = (word) => word;

// The indices of the stages of each name, cached per stages array (rebuilt when it
// grows), so that a file of many stages is not searched once per reference.
const byName = new WeakMap<readonly Stage[], { size: number; names: Map<string, number[]> }>();

function stageNames(stages: readonly Stage[]): Map<string, number[]> {
  const cached = byName.get(stages);
  if (cached !== undefined && cached.size === stages.length) return cached.names;
  const names = new Map<string, number[]>();
  for (const stage of stages) {
    if (stage.name === undefined) continue;
    const indices = names.get(stage.name);
    if (indices === undefined) names.set(stage.name, [stage.index]);
    else indices.push(stage.index);
  }
  byName.set(stages, { size: stages.length, names });
  return names;
}

// BuildKit keeps the last stage of a name: FROM sees those defined before it.
function namedBefore(stages: readonly Stage[], lower: string, before: number) {
  const indices = stageNames(stages).get(lower) ?? [];
  for (let i = indices.length - 1; i >= 0; i--) {
    const index = indices[i] as number;
    if (index < before) return stages[index];
  }
  return undefined;
}

/** The earlier stage a stage's FROM names, if it names one. */
export function baseStage(stages: readonly Stage[], stage: Stage): Stage | undefined {
  return namedBefore(stages, stage.from.image.toLowerCase(), stage.index);
}

/** The stage a `FROM x` / `--from=x` names among the stages before `before`, if any. */
export function findStageRef(
  stages: readonly Stage[],
  ref: string,
  before: number,
): Stage | undefined {
  const named = namedBefore(stages, ref.toLowerCase(), before);
  if (named !== undefined) return named;
  if (/^\d+$/.test(ref)) {
    const index = Number.parseInt(ref, 10);
    if (index < before) return stages[index];
  }
  return undefined;
}

// `COPY --from` and `--mount from=` look at the whole file, as BuildKit resolves them
// after reading every stage: a later stage is found (and is an error when built).
function findSourceRef(stages: readonly Stage[], ref: string, location: Location) {
  if (/^\d+$/.test(ref)) {
    const index = Number.parseInt(ref, 10);
    if (index < stages.length) return stages[index];
    throw new DockerfileError(
      `invalid stage index ${index}`,
      location,
      `this file has stages 0 to ${stages.length - 1}`,
    );
  }
  const indices = stageNames(stages).get(ref.toLowerCase());
  return indices === undefined ? undefined : stages[indices[indices.length - 1] as number];
}

/** Every stage-to-stage dependency of the file, in file order; `ref` as written. */
export function stageGraph(
  parsed: ParsedDockerfile,
  expand: StageWordExpander = identity,
): StageEdge[] {
  const edges: StageEdge[] = [];
  const { stages } = parsed;
  for (const stage of stages) {
    const add = (ref: string, via: StageEdge['via'], location: Location) => {
      const word = expand(ref, stage.index);
      const target =
        via === 'FROM'
          ? namedBefore(stages, word.toLowerCase(), stage.index)
          : findSourceRef(stages, word, location);
      if (target === undefined) return;
      edges.push({ from: stage.index, to: target.index, via, location, ref: word });
    };
    add(stage.from.image, 'FROM', stage.from.location);
    for (const instruction of stage.instructions) {
      if (instruction.kind === 'COPY' && instruction.from !== undefined) {
        add(instruction.from, 'COPY --from', instruction.location);
      }
      if (instruction.kind === 'RUN') {
        for (const mount of instruction.mounts) {
          if (mount.from !== undefined) add(mount.from, 'RUN --mount', instruction.location);
        }
      }
    }
  }
  return edges;
}

/** Fails on a use of a stage that is not defined before the stage using it. */
export function checkEdgeOrder(parsed: ParsedDockerfile, edge: StageEdge): void {
  if (edge.to < edge.from) return;
  const user = parsed.stages[edge.from] as Stage;
  const name = user.name ?? `stage-${user.index}`;
  const hint = 'move the stage it uses above this one';
  if (edge.to === edge.from) {
    throw new DockerfileError(
      `circular dependency detected on stage: ${name}`,
      edge.location,
      hint,
    );
  }
  const what = edge.via === 'COPY --from' ? 'copy' : 'mount';
  throw new DockerfileError(
    `cannot ${what} from stage "${edge.ref}", ` +
      `it needs to be defined before current stage "${name}"`,
    edge.location,
    hint,
  );
}

/** checkEdgeOrder for every stage, as a lint of the whole file does. */
export function checkStageOrder(parsed: ParsedDockerfile): void {
  for (const edge of stageGraph(parsed)) checkEdgeOrder(parsed, edge);
}

/** The stage `--target` names (by name, case-insensitive), or the last stage. */
export function targetStage(parsed: ParsedDockerfile, target?: string): Stage {
  const { stages } = parsed;
  if (target === undefined || target === '') return stages[stages.length - 1] as Stage;
  const found = stageNames(stages).get(target.toLowerCase());
  if (found !== undefined) return stages[found[found.length - 1] as number] as Stage;
  const names = stages.flatMap((stage) => (stage.name === undefined ? [] : [stage.name]));
  const last = stages[stages.length - 1] as Stage;
  throw new DockerfileError(
    didYouMean(`target stage "${target}" could not be found`, target, names),
    last.from.location,
    names.length > 0 ? `stages in this file: ${names.join(', ')}` : 'name a stage with FROM … AS',
  );
}

/** Indices of the stages needed to build `target` (itself included), ascending. */
export function stagesNeededFor(
  parsed: ParsedDockerfile,
  target?: string,
  expand: StageWordExpander = identity,
  replaced: (stage: Stage) => boolean = () => false,
): number[] {
  const edges = new Map<number, StageEdge[]>();
  for (const edge of stageGraph(parsed, expand)) {
    const from = edges.get(edge.from);
    if (from === undefined) edges.set(edge.from, [edge]);
    else from.push(edge);
  }
  const needed = new Set<number>();
  const pending = [targetStage(parsed, target).index];
  while (pending.length > 0) {
    const index = pending.pop() as number;
    if (needed.has(index)) continue;
    needed.add(index);
    // A stage something else stands in for needs none of what it would have used.
    if (replaced(parsed.stages[index] as Stage)) continue;
    for (const edge of edges.get(index) ?? []) {
      checkEdgeOrder(parsed, edge);
      pending.push(edge.to);
    }
  }
  return [...needed].sort((a, b) => a - b);
}
