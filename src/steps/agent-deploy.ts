import type { StepKind } from '../pipeline/step.js';
import { failIfAny, runOnHosts } from './agent-run.js';
import {
  parseDeployArtifacts,
  parseHostGroupId,
  prepareUploads,
  resolveTargets,
} from './agent-targets.js';
import { scriptField } from './deploy-fields.js';

// `deploy@agent` (Host Deployment): upload artifacts to every host of a group
// and run the deploy script there. `shell@agent` runs a script only.

/** The Host Deployment step. */
export const agentDeploy: StepKind = {
  kinds: ['deploy@agent'],
  keys: ['hostGroupID', 'deployArtifact', 'script'],

  validate(spec) {
    parseHostGroupId(spec);
    parseDeployArtifacts(spec);
    scriptField(spec);
  },

  async run(spec, context) {
    const artifacts = parseDeployArtifacts(spec);
    const script = scriptField(spec);
    const { group, hosts } = await resolveTargets(spec, context);
    const uploads = await prepareUploads(artifacts, context);
    const outcomes = await runOnHosts(hosts, { uploads, script }, context, group.parallel);
    failIfAny(outcomes, 'deploy');
  },
};
