import type { Checkout } from './git.js';
import type { Pipeline } from './model.js';
import type { TriggerEvent } from './triggers.js';

// The system parameters (`GITEE_*`) of a run. GITEE_STAGE_NAME and the step
// names are set per stage and step by the runner.

export interface RunFacts {
  pipeline: Pipeline;
  checkout: Checkout;
  buildNumber: number;
  triggerUser: string;
  event: TriggerEvent;
  /** `--branch` / `--commit` override what the checkout says. */
  branch?: string;
}

/** Every run-wide system parameter, by name. */
export function systemParameters(facts: RunFacts): Map<string, string> {
  const { pipeline, checkout } = facts;
  const commit = checkout.commit;
  const repoName = checkout.repoPath.split('/').pop() ?? checkout.repoPath;
  return new Map([
    ['GITEE_PIPELINE_NAME', pipeline.name],
    ['GITEE_PIPELINE_DISPLAY_NAME', pipeline.displayName ?? pipeline.name],
    ['GITEE_PIPELINE_BUILD_NUMBER', String(facts.buildNumber)],
    ['GITEE_PIPELINE_TRIGGER_USER', facts.triggerUser],
    ['GITEE_PIPELINE_TRIGGER_TYPE', facts.event],
    ['GITEE_BRANCH', facts.branch ?? checkout.branch],
    ['GITEE_COMMIT', commit],
    ['GITEE_SHORT_COMMIT', commit.slice(0, 8)],
    ['GITEE_COMMIT_MESSAGE', checkout.commitMessage],
    ['GITEE_COMMIT_AUTHOR', checkout.author],
    ['GITEE_REPO', repoName],
    ['GITEE_REPO_PATH', checkout.repoPath],
    ['GITEE_REPO_URL', checkout.repoUrl],
  ]);
}

/** The per-stage and per-step system parameters. */
export function stepParameters(stage: { name: string; displayName?: string }, step: string) {
  return new Map([
    ['GITEE_STAGE_NAME', stage.name],
    ['GITEE_STAGE_DISPLAY_NAME', stage.displayName ?? stage.name],
    ['GITEE_STEP_NAME', step],
  ]);
}
