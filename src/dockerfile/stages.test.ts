import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DockerfileError } from './errors.js';
import { parseDockerfile } from './parse.js';
import { stageGraph, stagesNeededFor, targetStage } from './stages.js';

const parsed = parseDockerfile(
  `FROM alpine AS Base
FROM base AS deps
RUN --mount=type=cache,target=/c --mount=from=tools,target=/t true
FROM busybox AS tools
FROM deps AS build
RUN --mount=type=bind,from=tools,target=/t true
COPY --from=0 /a /a
FROM scratch AS docs
FROM scratch
COPY --from=BUILD /out /out
COPY --from=golang:1.22 /usr/local/go /go
`,
  { file: 'Dockerfile' },
);

test('the stage graph: FROM, COPY --from by name or index, RUN --mount from', () => {
  const edges = stageGraph(parsed).map((e) => `${e.from}->${e.to} ${e.via} @${e.location.line}`);
  assert.deepEqual(edges, [
    '1->0 FROM @2',
    '3->1 FROM @5',
    '3->2 RUN --mount @6',
    '3->0 COPY --from @7',
    '5->3 COPY --from @10',
  ]);
});

test('a reference to a later stage is an image, not a stage', () => {
  // `tools` in stage 1 is defined after it: BuildKit treats it as an image name.
  const edges = stageGraph(parsed).filter((edge) => edge.from === 1);
  assert.deepEqual(
    edges.map((e) => e.to),
    [0],
  );
});

test('stages needed for a target', () => {
  assert.deepEqual(stagesNeededFor(parsed), [0, 1, 2, 3, 5]);
  assert.deepEqual(stagesNeededFor(parsed, 'DEPS'), [0, 1]);
  assert.deepEqual(stagesNeededFor(parsed, 'docs'), [4]);
});

test('an unknown target suggests the closest stage name', () => {
  assert.throws(
    () => targetStage(parsed, 'buidl'),
    (error: unknown) =>
      error instanceof DockerfileError &&
      error.message === 'target stage "buidl" could not be found (did you mean build?)',
  );
});
