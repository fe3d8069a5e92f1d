import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { SlipwayError } from '../errors/index.js';

// The tarball of an output, made by GNU tar: into a file, or, for dest `-`,
// streamed into the stream the caller gave (the CLI's stdout), as buildx
// writes `--output type=tar,dest=-` and the oci and docker tarballs.

/** `tar -c -f DEST ARGS…`; dest `-` goes to `stdout`. */
export async function createTar(
  args: string[],
  dest: string,
  stdout?: NodeJS.WritableStream,
): Promise<void> {
  const streamed = dest === '-';
  if (streamed && stdout === undefined) {
    throw new SlipwayError('OUTPUT_NO_STDOUT', 'an output with dest=- needs a stdout to write to');
  }
  const child = spawn('tar', ['-c', '-f', streamed ? '-' : dest, ...args], {
    stdio: ['ignore', streamed ? 'pipe' : 'ignore', 'pipe'],
  });
  const errors: Buffer[] = [];
  child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk));
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  // The stream stays open: it is the process's stdout, not ours to end.
  const copied =
    streamed && child.stdout
      ? pipeline(child.stdout, stdout as NodeJS.WritableStream, { end: false }).catch((error) => {
          child.kill();
          throw stdoutFailure(error as NodeJS.ErrnoException);
        })
      : Promise.resolve();
  const [[code, signal]] = await Promise.all([exited, copied]);
  if (code === 0) return;
  const why = Buffer.concat(errors).toString().trim() || `exit ${code ?? signal}`;
  throw new SlipwayError('OUTPUT_TAR_FAILED', `writing ${streamed ? 'stdout' : dest}: ${why}`);
}

function stdoutFailure(error: NodeJS.ErrnoException): SlipwayError {
  // `slipway build -o - | head`: the reader went away before the end.
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new SlipwayError('OUTPUT_STDOUT_CLOSED', 'stdout closed before the tarball ended', {
      cause: error,
      hint: 'read the whole tarball, or give dest= a file',
    });
  }
  return new SlipwayError(
    'OUTPUT_STDOUT_FAILED',
    `writing the tarball to stdout: ${error.message}`,
    {
      cause: error,
      hint: 'check where stdout goes (a full disk?), or give dest= a file',
    },
  );
}
