import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '../../src/pipeline/report.js';
import { type BaseImage, makeBusyboxImage, pushBaseImage } from './base-image.js';
import { checkoutExample, slipwayBin } from './example.js';
import { makeJreImage } from './jre-image.js';
import { type RegistryHandle, startRegistry } from './registry.js';

// The examples/ projects run end to end: a registry with basic auth holding
// the locally made base images, a copy of an example to run in, and
// `slipway run` started as a user starts it.

/** A basic-auth registry with `base/jre:17` and `base/busybox:latest`, and its account. */
export interface ExampleRegistry {
  registry: RegistryHandle;
  /** Full references of the base images. */
  jre: string;
  busybox: string;
  /** The base images as made, with their digests. */
  bases: { jre: BaseImage; busybox: BaseImage };
  /** A credentials file (id `registry`) for `slipway run --credentials`. */
  credentialsFile: string;
  stop(): Promise<void>;
}

/** Start the registry, push the base images, write the credentials file into `dir`. */
export async function startExampleRegistry(dir: string): Promise<ExampleRegistry> {
  const registry = await startRegistry('basic');
  try {
    const account = { username: registry.username, password: registry.password };
    const bases = { jre: await makeJreImage(), busybox: await makeBusyboxImage() };
    await pushBaseImage(registry.host, 'base/jre:17', account, bases.jre);
    await pushBaseImage(registry.host, 'base/busybox:latest', account, bases.busybox);
    await mkdir(dir, { recursive: true });
    const credentialsFile = join(dir, 'credentials.yml');
    const entry = { type: 'account', username: registry.username, password: registry.password };
    await writeFile(credentialsFile, `${JSON.stringify({ registry: entry })}\n`, { mode: 0o600 });
    return {
      registry,
      jre: `${registry.host}/base/jre:17`,
      busybox: `${registry.host}/base/busybox:latest`,
      bases,
      credentialsFile,
      stop: () => registry.stop(),
    };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

/** Check out `examples/NAME` as `dir/NAME`, a git repository of its own. */
export async function copyExample(name: string, dir: string): Promise<string> {
  const target = join(dir, name);
  await checkoutExample(name, target);
  return target;
}

/** How a `slipway run` ended. */
export interface PipelineRun {
  code: number | null;
  stdout: string;
  stderr: string;
  report: RunReport;
}

/** Run `slipway run ARGS --report` in `cwd` with SLIPWAY_HOME `home`; `echo` copies output. */
export async function runPipelineCli(
  args: string[],
  options: { cwd: string; home: string; echo?: boolean },
): Promise<PipelineRun> {
  const reportFile = join(options.home, `report-${Date.now()}.json`);
  await mkdir(options.home, { recursive: true });
  const child = spawn(process.execPath, [slipwayBin, 'run', ...args, '--report', reportFile], {
    cwd: options.cwd,
    env: { ...process.env, SLIPWAY_HOME: options.home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    if (options.echo) process.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
    if (options.echo) process.stderr.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const report = JSON.parse(await readFile(reportFile, 'utf8').catch(() => '{}')) as RunReport;
  return { code, stdout, stderr, report };
}

/** The outputs of step `name` in a report. */
export function outputsOf(report: RunReport, name: string): Record<string, string> {
  const step = report.steps?.find((s) => s.name === name);
  if (!step) throw new Error(`no step ${name} in the report`);
  return step.outputs;
}
