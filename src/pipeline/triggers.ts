import { formatLocation } from '../errors/index.js';
import type { BranchRules, EventTrigger, Triggers } from './model.js';

// Would this event start the pipeline? The answer names the rule that decided.

export type TriggerEvent = 'push' | 'pr' | 'manual';

export interface TriggerDecision {
  start: boolean;
  reason: string;
}

/** Decide whether `event` on `branch` (for a pr: its target branch) starts a run. */
export function evaluateTriggers(
  triggers: Triggers | undefined,
  event: TriggerEvent,
  branch: string,
  commitMessage = '',
): TriggerDecision {
  if (event === 'manual') return { start: true, reason: 'a manual run always starts' };
  if (!triggers) {
    return { start: false, reason: 'the pipeline has no triggers: it only runs by hand' };
  }
  if (triggers.trigger === 'manual') {
    return { start: false, reason: 'triggers.trigger is manual: events do not start it' };
  }
  const rule = triggers[event];
  if (!rule) return { start: false, reason: `no triggers.${event} rule` };
  const where = formatLocation(rule.where);
  const branchDecision = matchBranch(rule.branches, branch, `triggers.${event}.branches`);
  if (!branchDecision.start)
    return { ...branchDecision, reason: `${branchDecision.reason} (${where})` };
  const messageDecision = matchMessage(rule, commitMessage, event);
  if (messageDecision)
    return { ...messageDecision, reason: `${messageDecision.reason} (${where})` };
  return { start: true, reason: `${branchDecision.reason} (${where})` };
}

function wholeMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(text);
  } catch {
    return false;
  }
}

function matchBranch(
  rules: BranchRules | undefined,
  branch: string,
  what: string,
): TriggerDecision {
  if (!rules) return { start: true, reason: `${what} is not set: every branch` };
  const excluded = rules.exclude.find((p) => p === branch || wholeMatch(p, branch));
  if (excluded !== undefined) {
    return {
      start: false,
      reason: `branch ${branch} is excluded by ${what}.exclude "${excluded}"`,
    };
  }
  const checks: Array<[keyof BranchRules, (p: string) => boolean]> = [
    ['precise', (p) => p === branch],
    ['prefix', (p) => branch.startsWith(p)],
    ['include', (p) => p === branch || wholeMatch(p, branch)],
    ['regex', (p) => wholeMatch(p, branch)],
  ];
  for (const [key, test] of checks) {
    const hit = rules[key].find(test);
    if (hit !== undefined) {
      return { start: true, reason: `branch ${branch} matches ${what}.${key} "${hit}"` };
    }
  }
  const anyRule = checks.some(([key]) => rules[key].length > 0);
  if (!anyRule) return { start: true, reason: `${what} only excludes: ${branch} is not excluded` };
  return { start: false, reason: `branch ${branch} matches none of ${what}` };
}

function matchMessage(rule: EventTrigger, message: string, event: string) {
  const rules = rule.commitMessages;
  if (!rules) return undefined;
  const what = `triggers.${event}.commitMessages`;
  const excluded = rules.exclude.find((p) => new RegExp(p).test(message));
  if (excluded !== undefined) {
    return { start: false, reason: `the commit message matches ${what}.exclude "${excluded}"` };
  }
  if (rules.include.length > 0 && !rules.include.some((p) => new RegExp(p).test(message))) {
    return { start: false, reason: `the commit message matches none of ${what}.include` };
  }
  return undefined;
}
