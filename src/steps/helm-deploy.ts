import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { StepFailedError } from '../errors/index.js';
import type { StepContext, StepKind, StepSpec } from '../pipeline/step.js';
import { isWithin } from '../util/fs.js';
import {
  boolField,
  durationField,
  fieldError,
  optionalString,
  stringField,
} from './deploy-fields.js';
import { findHelm } from './helm-binary.js';
import { replaceParameters } from './k8s-template.js';
import { runProcess } from './process.js';

// `deploy@helm` (Helm Chart Deployment): `helm upgrade --install` of the
// chart in the repository, so the first run installs and later runs upgrade.
// The kubeconfig credential and the values file (parameters replaced) are
// written to a private folder that is removed when the step ends.

const KEYS = [
  'certificate',
  'namespace',
  'appName',
  'chartPath',
  'valuesPath',
  'timeout',
  'skipTlsVerify',
] as const;

/** Helm's release-name rule: a DNS label of at most 53 characters. */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;

/** The Helm Chart Deployment step. */
export const helmDeploy: StepKind = {
  kinds: ['deploy@helm'],
  keys: KEYS,

  validate(spec) {
    stringField(spec, 'certificate');
    const appName = stringField(spec, 'appName');
    if (!RELEASE_NAME.test(appName) && !appName.includes('${')) {
      throw fieldError(
        spec,
        'appName',
        `"${appName}" is not a Helm release name`,
        'use lowercase letters, digits and "-", at most 53 characters',
      );
    }
    durationField(spec, 'timeout', 300);
    boolField(spec, 'skipTlsVerify', false);
  },

  async run(spec, context) {
    helmDeploy.validate?.(spec);
    const credential = context.credential(stringField(spec, 'certificate'));
    if (credential.kind !== 'kubeconfig') {
      throw fieldError(spec, 'certificate', `credential is a ${credential.kind}, not a kubeconfig`);
    }
    const env = hostEnvironment(context);
    const helm = await findHelm(env.PATH ?? '', env, context.signal);
    const chart = insideWorkspace(spec, context, 'chartPath', stringField(spec, 'chartPath', '.'));
    const values = await valuesFile(spec, context, chart);

    const dir = await mkdtemp(join(context.stepDir, 'helm-'));
    try {
      await chmod(dir, 0o700);
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, credential.kubeconfig, { mode: 0o600 });
      const argv = [helm, ...helmArguments(spec, chart, kubeconfig)];
      if (values) {
        const written = join(dir, 'values.yml');
        await writeFile(written, values, { mode: 0o600 });
        argv.push('--values', written);
      }
      context.emit({ kind: 'helm.command', message: `helm ${argv.slice(1, 4).join(' ')}` });
      await runProcess(argv, {
        cwd: context.workspace,
        env,
        signal: context.signal,
        onLine: (line, stream) =>
          context.emit({ kind: 'step.output', scope: 'helm', message: line, stream }),
      }).catch((error: unknown) => {
        if (!(error instanceof StepFailedError)) throw error;
        const status = error.message.replace(/^commands /, '');
        throw new StepFailedError(
          `helm upgrade --install ${stringField(spec, 'appName')}: ${status}`,
          {
            cause: error,
            exitCode: error.exitCode,
            outputTail: error.outputTail,
          },
        );
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** Every argument after `helm`, except the values file. */
export function helmArguments(spec: StepSpec, chart: string, kubeconfig: string): string[] {
  const args = [
    'upgrade',
    '--install',
    stringField(spec, 'appName'),
    chart,
    '--namespace',
    stringField(spec, 'namespace', 'default'),
    '--create-namespace',
    '--wait',
    '--timeout',
    `${durationField(spec, 'timeout', 300)}s`,
    '--kubeconfig',
    kubeconfig,
  ];
  if (boolField(spec, 'skipTlsVerify', false)) args.push('--kube-insecure-skip-tls-verify');
  return args;
}

/** The values file's text with parameters replaced; undefined if the default is absent. */
async function valuesFile(spec: StepSpec, context: StepContext, chart: string) {
  const given = optionalString(spec, 'valuesPath');
  const path = resolve(chart, given ?? './values.yml');
  const shown = relative(context.workspace, path);
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) {
    if (given === undefined) return undefined;
    throw fieldError(
      spec,
      'valuesPath',
      `${shown} does not exist`,
      'valuesPath is relative to chartPath',
    );
  }
  return replaceParameters(await readFile(path, 'utf8'), context.params, shown);
}

function insideWorkspace(spec: StepSpec, context: StepContext, key: string, path: string) {
  const full = resolve(context.workspace, path);
  if (!isWithin(context.workspace, full)) {
    throw fieldError(spec, key, `${path} is outside the repository`);
  }
  return full;
}

function hostEnvironment(context: StepContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(context.hostEnv ?? process.env)) {
    if (value !== undefined && key !== 'KUBECONFIG') env[key] = value;
  }
  return env;
}
