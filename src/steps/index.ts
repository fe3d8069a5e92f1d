import { buildImage } from '../build/index.js';
import type { StepKind } from '../pipeline/step.js';
import { agentDeploy } from './agent-deploy.js';
import { agentRolling } from './agent-rolling.js';
import { agentShell } from './agent-shell.js';
import { buildToolStep } from './build-tool.js';
import { dockerBuildStep } from './docker-build.js';
import { helmDeploy } from './helm-deploy.js';
import { k8sDeploy } from './k8s-deploy.js';
import { publishGeneral } from './publish-general.js';
import { publishRelease } from './publish-release.js';
import { containerRuntime } from './toolchain-container.js';

// Every step kind slipway runs. One file per kind under steps/; add yours
// to this list (publish@*, deploy@*, shell@agent, ...).

/** Script keys are shell text: unknown `$X` is the shell's, not an error. */
const shell = (kind: StepKind): StepKind => ({ ...kind, rawKeys: kind.rawKeys ?? ['script'] });

/** The shared registry of step kinds; the CLI hands it to the runner. */
export const stepKinds: StepKind[] = [
  buildToolStep(containerRuntime()),
  dockerBuildStep(buildImage),
  publishGeneral,
  publishRelease,
  shell(agentShell),
  shell(agentDeploy),
  shell(agentRolling),
  k8sDeploy,
  helmDeploy,
];
