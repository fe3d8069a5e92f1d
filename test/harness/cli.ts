import { spawn } from 'node:child_process';

// Runs the built slipway CLI as a user would, keeping everything each run
// printed so that a test can check all of it at the end (for secrets).

/** What one run of the CLI did. */
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** A runner of the CLI and every line it has printed so far. */
export interface CliRunner {
  run(env: NodeJS.ProcessEnv, args: string[], stdin?: string): Promise<CliResult>;
  /** stdout and stderr of every run, in order. */
  printed: string[];
}

const bin = new URL('../../src/cli/bin.js', import.meta.url).pathname;

/** A fresh runner with nothing printed yet. */
export function cliRunner(): CliRunner {
  const printed: string[] = [];
  const run = (env: NodeJS.ProcessEnv, args: string[], stdin = '') =>
    new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      child.stdin.end(stdin);
      child.on('close', (status) => {
        printed.push(stdout, stderr);
        resolve({ status: status ?? -1, stdout, stderr });
      });
    });
  return { run, printed };
}

/** The secrets of a password login as they could leak: plain and in Basic auth. */
export function secretForms(username: string, password: string): string[] {
  return [password, Buffer.from(`${username}:${password}`).toString('base64')];
}
