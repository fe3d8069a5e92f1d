import type { StepKind } from '../pipeline/step.js';
import { failIfAny, runOnHosts } from './agent-run.js';
import { parseHostGroupId, resolveTargets } from './agent-targets.js';
import { scriptField } from './deploy-fields.js';

// `shell@agent`: run a script on every host of a group, nothing uploaded.

/** The host shell step. */
export const agentShell: StepKind = {
  kinds: ['shell@agent'],
  keys: ['hostGroupID', 'script'],

  validate(spec) {
    parseHostGroupId(spec);
    scriptField(spec);
  },

  async run(spec, context) {
    const script = scriptField(spec);
    const { group, hosts } = await resolveTargets(spec, context);
    const outcomes = await runOnHosts(hosts, { uploads: [], script }, context, group.parallel);
    failIfAny(outcomes, 'shell script');
  },
};
