import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { InputError } from '../errors/index.js';

// A compression program (pigz, unpigz, zstd) seen as a stream: bytes written
// go to its stdin, its stdout is read back, and a failing exit fails the stream.
// Destroying the stream (an abort, or a failure elsewhere in the pipeline)
// kills the program.

/** A filter program as a duplex stream; its failure (exit status) fails the stream. */
export function programStream(command: string, args: string[], failure: string): Duplex {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let exitCode: number | null | undefined;
  let drained = false;
  const stream = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      if (child.stdin.write(chunk)) callback();
      else child.stdin.once('drain', () => callback());
    },
    final(callback) {
      child.stdin.end(callback);
    },
    read() {
      child.stdout.resume();
    },
    destroy(error, callback) {
      if (exitCode === undefined) child.kill();
      callback(error);
    },
  });
  const finish = () => {
    if (exitCode === undefined || !drained) return;
    if (exitCode === 0) stream.push(null);
    else {
      const name = command.split('/').pop();
      stream.destroy(new InputError(failure, `${name} failed: ${stderr.trim()}`));
    }
  };
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.on('error', (error) => {
    if (stream.listenerCount('spawn-error') > 0) stream.emit('spawn-error', error);
    else stream.destroy(error);
  });
  child.stdin.on('error', (error) => stream.destroy(error));
  child.stdout.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) child.stdout.pause();
  });
  child.stdout.on('end', () => {
    drained = true;
    finish();
  });
  child.on('close', (code) => {
    exitCode = code;
    finish();
  });
  return stream;
}
