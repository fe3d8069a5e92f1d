// The order of a stage's steps: each waits for the steps it `dependsOn`.

export interface GraphNode {
  name: string;
  dependsOn: readonly string[];
}

/** A dependency cycle as a path `a -> b -> a`, or undefined. */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];

  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dependency)) continue;
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Steps in waves: every step of a wave depends only on earlier waves.
 * The plan shows this order; the runner starts each step as soon as its
 * own dependencies finish, which is never later than its wave.
 */
export function waves<T extends GraphNode>(nodes: readonly T[]): T[][] {
  const done = new Set<string>();
  const names = new Set(nodes.map((node) => node.name));
  const result: T[][] = [];
  let left = [...nodes];
  while (left.length > 0) {
    const ready = left.filter((node) => node.dependsOn.every((d) => done.has(d) || !names.has(d)));
    if (ready.length === 0) throw new Error(`dependency cycle among ${left.map((n) => n.name)}`);
    result.push(ready);
    for (const node of ready) done.add(node.name);
    left = left.filter((node) => !ready.includes(node));
  }
  return result;
}

/** Every step `name` depends on, directly or not. */
export function ancestors(nodes: readonly GraphNode[], name: string): Set<string> {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const found = new Set<string>();
  const stack = [...(byName.get(name)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (found.has(next)) continue;
    found.add(next);
    stack.push(...(byName.get(next)?.dependsOn ?? []));
  }
  return found;
}
