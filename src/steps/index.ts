import type { StepKind } from '../pipeline/step.js';
import { buildToolStep } from './build-tool.js';
import { dockerBuildStep } from './docker-build.js';
import { loadBuildEngine } from './engine.js';
import { noToolchainRuntime } from './toolchain-runtime.js';

// Every step kind slipway runs. One file per kind under steps/; add yours
// to this list (publish@*, deploy@*, shell@agent, ...).

/** The shared registry of step kinds; the CLI hands it to the runner. */
export const stepKinds: StepKind[] = [
  buildToolStep(noToolchainRuntime),
  dockerBuildStep(loadBuildEngine),
];
