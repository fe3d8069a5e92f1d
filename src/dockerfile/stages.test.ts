import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DockerfileError } from './errors.js';
import { parseDockerfile } from './parse.js';
import { stageGraph, stagesNeededFor, targetStage } from './stages.js';

const parsed = parseDockerfile(
  `FROM alpine AS Base
FROM base AS deps
RUN --mount=type=cache,target=/c true
FROM tools AS tools
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

test('FROM a stage defined later (or itself) names an image', () => {
  // `FROM tools AS tools` (stage 2): BuildKit only knows the stages above a FROM.
  assert.deepEqual(
    stageGraph(parsed).filter((edge) => edge.from === 2),
    [],
  );
});

function fails(text: string, target: string | undefined, line: number, message: string) {
  const later = parseDockerfile(text, { file: 'Dockerfile' });
  assert.throws(
    () => stagesNeededFor(later, target),
    (error: unknown) =>
      error instanceof DockerfileError &&
      error.location?.line === line &&
      error.message === message,
  );
}

test('COPY --from and --mount from a later stage fail when the stage is built', () => {
  const text = 'FROM alpine AS a\nCOPY --from=B /x /x\nFROM alpine AS b\nFROM scratch AS c\n';
  fails(
    text,
    'a',
    2,
    'cannot copy from stage "B", it needs to be defined before current stage "a"',
  );
  assert.deepEqual(stagesNeededFor(parseDockerfile(text, { file: 'Dockerfile' })), [2]);
  const mount = 'FROM alpine\nRUN --mount=from=1,target=/t true\nFROM alpine\nCOPY --from=0 / /\n';
  fails(
    mount,
    undefined,
    2,
    'cannot mount from stage "1", it needs to be defined before current stage "stage-0"',
  );
  const self = 'FROM alpine AS me\nCOPY --from=me /a /b\n';
  fails(self, undefined, 2, 'circular dependency detected on stage: me');
});

test('a stage index past the last stage is an error; the last of two names wins', () => {
  const text = 'FROM alpine\nCOPY --from=1 /a /b\n';
  assert.throws(
    () => stageGraph(parseDockerfile(text, { file: 'Dockerfile' })),
    (error: unknown) =>
      error instanceof DockerfileError &&
      error.location?.line === 2 &&
      error.message === 'invalid stage index 1',
  );
  const twice = 'FROM alpine AS x\nFROM busybox AS x\nFROM x\nCOPY --from=x /a /b\n';
  const edges = stageGraph(parseDockerfile(twice, { file: 'Dockerfile' }));
  assert.deepEqual(
    edges.map((e) => `${e.from}->${e.to} ${e.via}`),
    ['2->1 FROM', '2->1 COPY --from'],
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
