import { execFile } from 'node:child_process';
import { SlipwayError } from '../errors/index.js';
import { programOnPath } from '../util/process.js';

// deploy@helm runs the `helm` 3 binary the machine has; slipway does not
// ship one. Finding it is its own step so a missing or old helm fails before
// anything is written, with an error that says what to install.

const HINT = 'install Helm 3 on this machine and put `helm` on PATH';

/** The path of a Helm 3 `helm` on `path`, or an error that says there is none. */
export async function findHelm(
  path: string,
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<string> {
  const helm = programOnPath('helm', path);
  if (!helm) {
    throw new SlipwayError(
      'HELM_MISSING',
      'deploy@helm needs the helm binary, and none is on PATH',
      {
        hint: HINT,
      },
    );
  }
  const version = await helmVersion(helm, env, signal);
  if (!/^v3\./.test(version)) {
    throw new SlipwayError(
      'HELM_VERSION',
      `${helm} is helm ${version || '(no version)'}, not Helm 3`,
      {
        hint: HINT,
      },
    );
  }
  return helm;
}

function helmVersion(helm: string, env: Record<string, string>, signal: AbortSignal) {
  return new Promise<string>((resolve, reject) => {
    execFile(helm, ['version', '--short'], { env, signal }, (error, stdout) => {
      if (error && signal.aborted) return reject(signal.reason);
      if (error) {
        return reject(
          new SlipwayError('HELM_VERSION', `running ${helm} version: ${error.message}`, {
            cause: error,
            hint: HINT,
          }),
        );
      }
      resolve(stdout.trim());
    });
  });
}
