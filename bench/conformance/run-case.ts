import { join } from 'node:path';
import type { CompareOptions } from '../image/compare.js';
import type { UnpackedImage } from '../image/oci-layout.js';
import type { Builder, BuildRequest } from '../lab/builders.js';
import { pushMirrorTag } from '../lab/mirror.js';
import { analyzeDockerfile } from './analyze.js';
import type { CaseSpec } from './case-spec.js';
import { imageDifferences, layerDifferences, unmetExpectations } from './checks.js';
import { type Built, buildAndRead } from './export.js';
import { changeContext, dockerfileText, prepareWorkspace } from './workspace.js';

/** How one case came out. */
export interface CaseResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'known';
  reason?: string;
  differences: string[];
  notes: string[];
}

/** What every case run shares: the lab and the two builders. */
export interface CaseRunner {
  cache: string;
  registry: string;
  work: string;
  reference: Builder;
  candidate: Builder;
}

/** What buildah's chroot isolation leaves in images; not compared when buildah is the candidate. */
const BUILDAH_LEFTOVERS = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/run/'];

const NETWORK = /pull access denied|manifest unknown|dial tcp|no such host|i\/o timeout/i;

const lastLines = (text: string, count: number) => text.split('\n').slice(-count).join(' | ');

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
}

/** Runs one case: both builds, the comparisons, and the case's extra checks. */
export async function runCase(runner: CaseRunner, caseSpec: CaseSpec): Promise<CaseResult> {
  let spec = caseSpec;
  const result: CaseResult = { name: spec.name, status: 'passed', differences: [], notes: [] };
  if (spec.skip) return { ...result, status: 'skipped', reason: spec.skip };
  const analysis = analyzeDockerfile(dockerfileText(spec), spec.buildArgs);
  if (analysis.skip) return { ...result, status: 'skipped', reason: analysis.skip };
  result.notes.push(...analysis.notes);
  const ignorePaths = [...(spec.ignorePaths ?? []), ...analysis.volatile];
  if (ignorePaths.length) result.notes.push(`not compared (volatile): ${ignorePaths.join(', ')}`);
  spec = { ...spec, ignorePaths };
  for (const image of analysis.images) await pushMirrorTag(runner.cache, runner.registry, image);

  const id = slug(spec.name);
  const workspace = prepareWorkspace(spec, join(runner.work, 'cases', id), analysis.text);
  const request = (builder: Builder, round: string): BuildRequest => ({
    context: workspace.context,
    dockerfile: workspace.dockerfile,
    tag: `${runner.registry}/conformance/${id}:${builder.name}-${round}`,
    buildArgs: spec.buildArgs,
    target: spec.target,
    umask: builder === runner.candidate ? spec.umask : undefined,
  });
  const build = (builder: Builder, round: string) =>
    buildAndRead(
      builder,
      request(builder, round),
      join(runner.work, 'layouts', `${builder.name}-${round}`),
    );
  let ref = await build(runner.reference, '1');
  let cand = await build(runner.candidate, '1');
  if (spec.rebuild && 'image' in ref && 'image' in cand) {
    changeContext(workspace, spec.rebuild);
    result.notes.push('compared after a context change and a cached rebuild');
    ref = await build(runner.reference, '2');
    cand = await build(runner.candidate, '2');
  }
  const judged = await judge(runner, spec, ref, cand, result);
  if (spec.warmRebuild && 'image' in cand && judged.status !== 'skipped') {
    const warm = await build(runner.candidate, 'warm');
    const found = warmDifferences(cand.image, warm);
    judged.differences.push(...found);
    if (found.length) judged.status = 'failed';
  }
  return judged;
}

/** The verdict from the two builds (either may have failed). */
async function judge(
  runner: CaseRunner,
  spec: CaseSpec,
  ref: Built,
  cand: Built,
  result: CaseResult,
) {
  const names: [string, string] = [runner.reference.name, runner.candidate.name];
  if ('error' in ref && NETWORK.test(ref.error) && !spec.knownDifference) {
    return {
      ...result,
      status: 'skipped' as const,
      reason: `needs internet: ${lastLines(ref.error, 1)}`,
    };
  }
  if ('error' in cand) {
    if ('error' in ref && !spec.knownDifference) {
      return {
        ...result,
        notes: [...result.notes, `both builders refuse it: ${lastLines(ref.error, 3)}`],
      };
    }
    return { ...result, status: 'failed' as const, reason: `${names[1]} failed:\n${cand.error}` };
  }
  const unmet = unmetExpectations(cand.image.rootfs, spec.expect ?? []);
  if (spec.knownDifference) {
    result.notes.push(`known difference of the reference: ${spec.knownDifference}`);
    if ('error' in ref) result.notes.push(`${names[0]} fails: ${lastLines(ref.error, 2)}`);
    else {
      const refUnmet = unmetExpectations(ref.image.rootfs, spec.expect ?? []);
      result.notes.push(...refUnmet.map((line) => `${names[0]} (for information): ${line}`));
    }
    const status = spec.expect ? (unmet.length ? 'failed' : 'passed') : 'known';
    return {
      ...result,
      status,
      differences: unmet.map((line) => `${names[1]}: ${line}`),
    } as CaseResult;
  }
  if ('error' in ref) {
    return {
      ...result,
      status: 'failed' as const,
      reason: `${names[0]} failed, ${names[1]} built it:\n${ref.error}`,
    };
  }
  const buildah = runner.candidate.name === 'buildah';
  const options: CompareOptions = {
    mtimes: spec.mtimes,
    ignorePaths: [...(spec.ignorePaths ?? []), ...(buildah ? BUILDAH_LEFTOVERS : [])],
    ignoreLabels: buildah ? ['io.buildah.version'] : undefined,
  };
  const differences = imageDifferences(ref.image, cand.image, names, options);
  if (spec.compareLayers) {
    differences.push(...layerDifferences(ref.image, cand.image, names, options.ignorePaths));
  }
  differences.push(...unmet.map((line) => `${names[1]}: ${line}`));
  const status = differences.length ? 'failed' : 'passed';
  return { ...result, status, differences } as CaseResult;
}

/** A second, cached build by the candidate must give the very same image. */
function warmDifferences(cold: UnpackedImage, warm: Built): string[] {
  if ('error' in warm) return [`warm rebuild failed: ${warm.error}`];
  const found = imageDifferences(cold, warm.image, ['cold', 'warm'], { mtimes: ['/'] });
  if (cold.manifestDigest !== warm.image.manifestDigest) {
    found.push(
      `manifest digest ${cold.manifestDigest} (cold) vs ${warm.image.manifestDigest} (warm)`,
    );
  }
  return found.map((line) => `warm vs cold: ${line}`);
}
