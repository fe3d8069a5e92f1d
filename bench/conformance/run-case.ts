import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareOptions } from '../image/compare.js';
import { readOciLayout, type UnpackedImage } from '../image/oci-layout.js';
import type { Builder, BuildRequest } from '../lab/builders.js';
import { pushMirrorTag } from '../lab/mirror.js';
import { run, tail } from '../lab/proc.js';
import { analyzeDockerfile } from './analyze.js';
import type { CaseSpec } from './case-spec.js';
import { imageDifferences, layerDifferences, unmetExpectations } from './checks.js';
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

type Built = { image: UnpackedImage } | { error: string };

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
}

/** Builds with one builder, pushes to the local registry, reads it back as an OCI layout. */
async function buildAndRead(
  runner: CaseRunner,
  builder: Builder,
  request: BuildRequest,
  label: string,
): Promise<Built> {
  const built = await builder.build(request);
  if (built.code !== 0) return { error: tail(built.stderr + built.stdout, 12) };
  const pushed = await builder.push(request.tag, request.tag);
  if (pushed.code !== 0) return { error: `push: ${tail(pushed.stderr + pushed.stdout, 8)}` };
  const layout = join(runner.work, 'layouts', label);
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(join(runner.work, 'layouts'), { recursive: true });
  await run('skopeo', [
    'copy',
    '-q',
    '--src-tls-verify=false',
    `docker://${request.tag}`,
    `oci:${layout}:image`,
  ]);
  return { image: readOciLayout(layout) };
}

/** What buildah's chroot isolation leaves in images (its own label too); not compared. */
const BUILDAH_LEFTOVERS = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/run/'];

const NETWORK =
  /pull access denied|not found: manifest unknown|dial tcp|no such host|i\/o timeout/i;

/** Runs one case: both builds, the comparisons, and the case's extra checks. */
export async function runCase(runner: CaseRunner, spec: CaseSpec): Promise<CaseResult> {
  const result: CaseResult = { name: spec.name, status: 'passed', differences: [], notes: [] };
  if (spec.skip) return { ...result, status: 'skipped', reason: spec.skip };
  const analysis = analyzeDockerfile(dockerfileText(spec), spec.buildArgs);
  if (analysis.skip) return { ...result, status: 'skipped', reason: analysis.skip };
  result.notes.push(...analysis.notes);
  if (spec.ignorePaths?.length) result.notes.push(`not compared: ${spec.ignorePaths.join(', ')}`);
  for (const image of analysis.images) await pushMirrorTag(runner.cache, runner.registry, image);

  const id = slug(spec.name);
  const workspace = prepareWorkspace(spec, join(runner.work, 'cases', id), analysis.text);
  const names: [string, string] = [runner.reference.name, runner.candidate.name];
  const request = (builder: Builder, round: string): BuildRequest => ({
    context: workspace.context,
    dockerfile: workspace.dockerfile,
    tag: `${runner.registry}/conformance/${id}:${builder.name}-${round}`,
    buildArgs: spec.buildArgs,
    target: spec.target,
    umask: builder === runner.candidate ? spec.umask : undefined,
  });
  const both = async (round: string) => {
    const ref = await buildAndRead(
      runner,
      runner.reference,
      request(runner.reference, round),
      `ref-${id}`,
    );
    const cand = await buildAndRead(
      runner,
      runner.candidate,
      request(runner.candidate, round),
      `cand-${id}`,
    );
    return [ref, cand] as const;
  };

  let [ref, cand] = await both('1');
  if (spec.rebuild && 'image' in ref && 'image' in cand) {
    changeContext(workspace, spec.rebuild);
    result.notes.push('compared after a context change and a cached rebuild');
    [ref, cand] = await both('2');
  }
  if ('error' in ref) {
    if (NETWORK.test(ref.error))
      return {
        ...result,
        status: 'skipped',
        reason: `needs internet: ${ref.error.split('\n').pop()}`,
      };
    if ('error' in cand) {
      const why = ref.error.split('\n').slice(-3).join(' | ');
      return { ...result, notes: [...result.notes, `both builders refuse it: ${why}`] };
    }
    return {
      ...result,
      status: 'failed',
      reason: `${names[0]} failed, ${names[1]} built it:\n${ref.error}`,
    };
  }
  if ('error' in cand)
    return { ...result, status: 'failed', reason: `${names[1]} failed:\n${cand.error}` };

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
  if (spec.warmRebuild)
    differences.push(...(await warmCheck(runner, cand.image, request(runner.candidate, 'warm'))));
  const unmet = unmetExpectations(cand.image.rootfs, spec.expect ?? []);
  if (spec.knownDifference) {
    const refUnmet = unmetExpectations(ref.image.rootfs, spec.expect ?? []);
    result.notes.push(`known difference of the reference: ${spec.knownDifference}`);
    result.notes.push(...refUnmet.map((line) => `reference: ${line}`));
    const status = spec.expect ? (unmet.length ? 'failed' : 'passed') : 'known';
    return {
      ...result,
      status,
      differences: [...unmet, ...differences.map((d) => `(vs reference) ${d}`)],
    };
  }
  differences.push(...unmet.map((line) => `${names[1]}: ${line}`));
  return { ...result, status: differences.length ? 'failed' : 'passed', differences };
}

/** A second, cached build by the candidate must give the very same image. */
async function warmCheck(runner: CaseRunner, cold: UnpackedImage, request: BuildRequest) {
  const warm = await buildAndRead(runner, runner.candidate, request, 'warm');
  if ('error' in warm) return [`warm rebuild failed: ${warm.error}`];
  const found = imageDifferences(cold, warm.image, ['cold', 'warm'], { mtimes: ['/'] });
  const [a, b] = [cold.config.rootfs?.diff_ids, warm.image.config.rootfs?.diff_ids];
  if (JSON.stringify(a) !== JSON.stringify(b)) found.push('warm rebuild: layer diff IDs differ');
  return found.map((line) => `warm vs cold: ${line}`);
}
