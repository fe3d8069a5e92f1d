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
}

/** Expands a word of a stage (FROM image, --from values); identity by default. */
export type StageWordExpander = (word: string, stageIndex: number) => string;

const identity: StageWordExpander = (word) => word;

// First index of each stage name, cached per stages array (rebuilt when it grows), so
// that a file of many stages is not searched once per reference.
const firstByName = new WeakMap<readonly Stage[], { size: number; names: Map<string, number> }>();

function stageNames(stages: readonly Stage[]): Map<string, number> {
  const cached = firstByName.get(stages);
  if (cached !== undefined && cached.size === stages.length) return cached.names;
  const names = new Map<string, number>();
  for (const stage of stages) {
    if (stage.name !== undefined && !names.has(stage.name)) names.set(stage.name, stage.index);
  }
  firstByName.set(stages, { size: stages.length, names });
  return names;
}

// The first stage named `lower` before `before`.
function namedBefore(stages: readonly Stage[], lower: string, before: number) {
  const index = stageNames(stages).get(lower);
  return index !== undefined && index < before ? stages[index] : undefined;
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

/** Every stage-to-stage dependency of the file, in file order. */
export function stageGraph(
  parsed: ParsedDockerfile,
  expand: StageWordExpander = identity,
): StageEdge[] {
  const edges: StageEdge[] = [];
  const { stages } = parsed;
  for (const stage of stages) {
    const add = (ref: string, via: StageEdge['via'], location: Location, byIndex: boolean) => {
      const lower = expand(ref, stage.index).toLowerCase();
      const named = namedBefore(stages, lower, stage.index);
      const target = named ?? (byIndex ? findStageRef(stages, lower, stage.index) : undefined);
      if (target !== undefined) edges.push({ from: stage.index, to: target.index, via, location });
    };
    add(stage.from.image, 'FROM', stage.from.location, false);
    for (const instruction of stage.instructions) {
      if (instruction.kind === 'COPY' && instruction.from !== undefined) {
        add(instruction.from, 'COPY --from', instruction.location, true);
      }
      if (instruction.kind === 'RUN') {
        for (const mount of instruction.mounts) {
          if (mount.from !== undefined) add(mount.from, 'RUN --mount', instruction.location, true);
        }
      }
    }
  }
  return edges;
}

/** The stage `--target` names (by name, case-insensitive), or the last stage. */
export function targetStage(parsed: ParsedDockerfile, target?: string): Stage {
  const { stages } = parsed;
  if (target === undefined || target === '') return stages[stages.length - 1] as Stage;
  const found = stageNames(stages).get(target.toLowerCase());
  if (found !== undefined) return stages[found] as Stage;
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
): number[] {
  const edges = new Map<number, number[]>();
  for (const edge of stageGraph(parsed, expand)) {
    const targets = edges.get(edge.from);
    if (targets === undefined) edges.set(edge.from, [edge.to]);
    else targets.push(edge.to);
  }
  const needed = new Set<number>();
  const pending = [targetStage(parsed, target).index];
  while (pending.length > 0) {
    const index = pending.pop() as number;
    if (needed.has(index)) continue;
    needed.add(index);
    for (const to of edges.get(index) ?? []) pending.push(to);
  }
  return [...needed].sort((a, b) => a - b);
}
