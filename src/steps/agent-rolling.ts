import { StepFailedError } from '../errors/index.js';
import type { StepKind, StepSpec } from '../pipeline/step.js';
import { failIfAny, runOnHosts } from './agent-run.js';
import {
  parseDeployArtifacts,
  parseHostGroupId,
  prepareUploads,
  resolveTargets,
} from './agent-targets.js';
import { fieldError, scriptField } from './deploy-fields.js';

// `rolling@agent`: deploy@agent in two batches. `rollingNum` is the share of
// hosts that go first (`1/2`, `1/3`) or their number (`2`); the rest follow
// only after approval (`--approve` or a prompt).

/** The rolling Host Deployment step. */
export const agentRolling: StepKind = {
  kinds: ['rolling@agent'],
  keys: ['hostGroupID', 'deployArtifact', 'script', 'rollingNum'],

  validate(spec) {
    parseHostGroupId(spec);
    parseDeployArtifacts(spec);
    scriptField(spec);
    firstBatchSize(spec, 2);
  },

  async run(spec, context) {
    const artifacts = parseDeployArtifacts(spec);
    const script = scriptField(spec);
    const { group, hosts } = await resolveTargets(spec, context);
    const uploads = await prepareUploads(artifacts, context);
    const job = { uploads, script };
    const size = firstBatchSize(spec, hosts.length);
    const first = hosts.slice(0, size);
    const rest = hosts.slice(size);

    failIfAny(
      await runOnHosts(first, job, context, group.parallel),
      'rolling deploy (first batch)',
    );
    if (rest.length === 0) return;
    const done = first.map((h) => h.id).join(', ');
    const next = rest.map((h) => h.id).join(', ');
    const question = `deployed to ${done}; continue with ${next}?`;
    if (!(await context.approve(question))) {
      throw new StepFailedError(`rolling deploy stopped after ${done}: the rest was not approved`, {
        hint: `${next} still run the previous version; run with --approve ${spec.name} to go on`,
      });
    }
    failIfAny(
      await runOnHosts(rest, job, context, group.parallel),
      'rolling deploy (second batch)',
    );
  },
};

/** How many hosts go first: a share `a/b` of `count` (at least one) or a number. */
export function firstBatchSize(spec: StepSpec, count: number): number {
  const value = String(spec.fields.rollingNum ?? '1/2').trim();
  const share = /^(\d+)\s*\/\s*(\d+)$/.exec(value);
  if (share) {
    const [a, b] = [Number(share[1]), Number(share[2])];
    if (a >= 1 && b >= 1 && a <= b)
      return Math.min(count, Math.max(1, Math.floor((count * a) / b)));
  } else if (/^\d+$/.test(value) && Number(value) >= 1) {
    return Math.min(count, Number(value));
  }
  throw fieldError(
    spec,
    'rollingNum',
    `must be a share like 1/2 or a number of hosts, not "${value}"`,
  );
}
