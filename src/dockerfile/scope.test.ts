import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from './parse.js';
import { GlobalScope, platformArgs, StageScope, unusedBuildArgs } from './scope.js';
import type { ArgInstruction, EnvInstruction, Instruction } from './types.js';

const dockerfile = `ARG BASE=alpine
ARG TAG=3.20
ARG IMAGE=\${BASE}:\${TAG}
FROM \${IMAGE}
ARG TAG
ARG FROM_DEFAULT=\${TAG}-x
ARG TARGETARCH
ARG NOT_GIVEN
ENV GREETING=hi PATH=/opt/bin:$PATH
ARG GREETING=from-arg
ARG PATH
`;

const parsed = parseDockerfile(dockerfile, { file: 'Dockerfile' });
const platform = platformArgs(
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
);

function run(buildArgs: Record<string, string>) {
  const global = new GlobalScope(parsed.globalArgs, {
    buildArgs: new Map(Object.entries(buildArgs)),
    platform,
  });
  const stage = new StageScope(global, ['PATH=/usr/bin', 'GREETING=base']);
  for (const instruction of parsed.stages[0]?.instructions ?? []) apply(stage, instruction);
  return { global, stage };
}

function apply(stage: StageScope, instruction: Instruction): void {
  if (instruction.kind === 'ARG') stage.declareArg(instruction as ArgInstruction);
  if (instruction.kind === 'ENV') stage.setEnv(instruction as EnvInstruction);
}

test('platform ARGs', () => {
  assert.deepEqual(Object.fromEntries(platform), {
    BUILDPLATFORM: 'linux/amd64',
    BUILDOS: 'linux',
    BUILDARCH: 'amd64',
    BUILDVARIANT: '',
    TARGETPLATFORM: 'linux/arm64/v8',
    TARGETOS: 'linux',
    TARGETARCH: 'arm64',
    TARGETVARIANT: 'v8',
  });
});

test('global ARG defaults use earlier global ARGs; --build-arg wins', () => {
  assert.equal(run({}).global.expand('${IMAGE}'), 'alpine:3.20');
  assert.equal(run({ BASE: 'debian' }).global.expand('${IMAGE}'), 'debian:3.20');
  assert.equal(run({ IMAGE: 'busybox' }).global.expand('$IMAGE'), 'busybox');
  assert.equal(run({}).global.expand('$TARGETPLATFORM'), 'linux/arm64/v8');
});

test('a stage sees global ARGs only when it re-declares them', () => {
  const { stage } = run({});
  assert.equal(stage.lookup('TAG'), '3.20');
  assert.equal(stage.lookup('BASE'), undefined);
  assert.equal(stage.lookup('FROM_DEFAULT'), '3.20-x');
  assert.equal(stage.lookup('TARGETARCH'), 'arm64');
  assert.equal(stage.lookup('NOT_GIVEN'), undefined);
  assert.equal(stage.hasArg('NOT_GIVEN'), true);
});

test('ENV is inherited; an ARG with a value wins in RUN, not in the image config', () => {
  const { stage } = run({ PATH: '/given' });
  assert.deepEqual(stage.runEnv(), [
    'PATH=/given',
    'GREETING=from-arg',
    'TAG=3.20',
    'FROM_DEFAULT=3.20-x',
    'TARGETARCH=arm64',
  ]);
  assert.deepEqual(stage.configEnv(), ['PATH=/opt/bin:/usr/bin', 'GREETING=hi']);
});

test('an ARG without a value keeps the inherited ENV', () => {
  const { stage } = run({});
  assert.equal(stage.lookup('PATH'), '/opt/bin:/usr/bin');
});

test('proxy ARGs reach RUN without a declaration; unused build args are reported', () => {
  const { global, stage } = run({ HTTP_PROXY: 'http://proxy:3128', UNUSED: '1', TAG: '4' });
  assert.ok(stage.runEnv().includes('HTTP_PROXY=http://proxy:3128'));
  assert.ok(!stage.configEnv().some((entry) => entry.startsWith('HTTP_PROXY')));
  assert.equal(stage.lookup('TAG'), '4');
  assert.deepEqual(unusedBuildArgs(global), ['UNUSED']);
});
