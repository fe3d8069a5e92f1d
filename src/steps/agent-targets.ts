import { join } from 'node:path';
import type { StepContext, StepSpec } from '../pipeline/step.js';
import { type Host, type HostGroup, hostGroupsPath, loadHostGroups } from './agent-host-groups.js';
import type { Upload } from './agent-run.js';
import { describe, fieldError } from './deploy-fields.js';
import { repositoryFor } from './publish-repositories.js';

// Reading what a host step targets: `hostGroupID` (a group id, or
// `{ID, hostID: [...]}` for some of its hosts) and `deployArtifact`.

/** The hosts a step works on, and the group they come from. */
export interface Targets {
  group: HostGroup;
  hosts: Host[];
}

/** `hostGroupID` as written: which group and, optionally, which of its hosts. */
export function parseHostGroupId(spec: StepSpec): { id: string; hostIds?: string[] } {
  const value = spec.fields.hostGroupID;
  if (typeof value === 'string' && value !== '') return { id: value };
  if (typeof value === 'number') return { id: String(value) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { ID, hostID } = value as { ID?: unknown; hostID?: unknown };
    if (typeof ID !== 'string' && typeof ID !== 'number') {
      throw fieldError(spec, 'hostGroupID', 'needs ID: the host group id');
    }
    if (hostID === undefined) return { id: String(ID) };
    if (!Array.isArray(hostID) || hostID.length === 0) {
      throw fieldError(spec, 'hostGroupID', 'hostID must be a non-empty list of host ids');
    }
    return { id: String(ID), hostIds: hostID.map(String) };
  }
  if (value === undefined) throw fieldError(spec, 'hostGroupID', 'is required');
  throw fieldError(
    spec,
    'hostGroupID',
    `must be a group id or {ID, hostID}, not ${describe(value)}`,
  );
}

/** Look the group up in the host groups file and pick the hosts. */
export async function resolveTargets(spec: StepSpec, context: StepContext): Promise<Targets> {
  const { id, hostIds } = parseHostGroupId(spec);
  const file = context.config['host-groups'] ?? hostGroupsPath(context.stateDir);
  const groups = await loadHostGroups(file);
  const group = groups.get(id);
  if (!group) {
    const known = [...groups.keys()].join(', ') || 'none';
    throw fieldError(spec, 'hostGroupID', `no host group "${id}" in ${file}`, `groups: ${known}`);
  }
  if (hostIds === undefined) return { group, hosts: group.hosts };
  const hosts = hostIds.map((hostId) => {
    const host = group.hosts.find((h) => h.id === hostId);
    if (!host) {
      const known = group.hosts.map((h) => h.id).join(', ');
      throw fieldError(
        spec,
        'hostGroupID',
        `group ${id} has no host "${hostId}"`,
        `hosts: ${known}`,
      );
    }
    return host;
  });
  return { group, hosts };
}

/** One `deployArtifact` entry with Gitee's defaults filled in. */
export type DeployArtifact =
  | { source: 'build'; name: string; target: string; dependArtifact: string }
  | {
      source: 'artifact';
      name: string;
      target: string;
      artifactRepository: string;
      artifactName: string;
      artifactVersion: string;
    };

/** Parse `deployArtifact` (absent means nothing to upload). */
export function parseDeployArtifacts(spec: StepSpec): DeployArtifact[] {
  const value = spec.fields.deployArtifact;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fieldError(spec, 'deployArtifact', 'must be a list');
  return value.map((entry, i) => {
    const fail = (m: string) => fieldError(spec, 'deployArtifact', `entry ${i + 1}: ${m}`);
    if (typeof entry !== 'object' || entry === null) throw fail('must be a map');
    const e = entry as Record<string, unknown>;
    const text = (key: string, fallback: string) => {
      const v = e[key] ?? fallback;
      if (typeof v !== 'string' && typeof v !== 'number') throw fail(`${key} must be a string`);
      return String(v);
    };
    const common = { name: text('name', 'output'), target: text('target', '~/gitee_go/deploy') };
    const source = text('source', 'build');
    if (source === 'build') {
      return { source, ...common, dependArtifact: text('dependArtifact', 'BUILD_ARTIFACT') };
    }
    if (source === 'artifact') {
      return {
        source,
        ...common,
        artifactRepository: text('artifactRepository', 'release'),
        artifactName: text('artifactName', 'output'),
        artifactVersion: text('artifactVersion', 'latest'),
      };
    }
    throw fail(`source must be build or artifact, not ${JSON.stringify(source)}`);
  });
}

/** Find each artifact's local file (fetching stored ones) as an upload. */
export async function prepareUploads(
  artifacts: readonly DeployArtifact[],
  context: StepContext,
): Promise<Upload[]> {
  const uploads: Upload[] = [];
  for (const [i, artifact] of artifacts.entries()) {
    const fileName = `${artifact.name}.tar.gz`;
    if (artifact.source === 'build') {
      const local = context.artifact(artifact.dependArtifact).file;
      uploads.push({ local, target: artifact.target, fileName });
      continue;
    }
    const repository = await repositoryFor(context, artifact.artifactRepository);
    const local = join(context.stepDir, `deploy-${i}-${fileName}`);
    const got = await repository.fetch(artifact.artifactName, artifact.artifactVersion, local);
    context.emit({
      kind: 'agent.artifact',
      message: `deploying ${artifact.artifactName} ${got.version} from ${artifact.artifactRepository}`,
    });
    uploads.push({ local, target: artifact.target, fileName });
  }
  return uploads;
}
