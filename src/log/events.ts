// Libraries log nothing themselves: they emit events and the CLI decides how
// to show them (a live terminal view, plain lines, or JSON lines).

/** One thing that happened. `kind` is a dotted name such as `registry.retry`. */
export interface SlipwayEvent {
  kind: string;
  /** A short human sentence; renderers fall back to `kind` without it. */
  message?: string;
  /** Groups events under a named phase or step (a build step, a pipeline step). */
  scope?: string;
  level?: 'debug' | 'info' | 'warn' | 'error';
  [field: string]: unknown;
}

/** Where a library sends its events. */
export type Emit = (event: SlipwayEvent) => void;

/** The default for library callers that do not listen. */
export const silent: Emit = () => {};

/** An emitter that stamps every event with a scope. */
export function scoped(emit: Emit, scope: string): Emit {
  return (event) => emit({ ...event, scope: event.scope ? `${scope}/${event.scope}` : scope });
}
