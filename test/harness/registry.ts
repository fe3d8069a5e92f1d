import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeCertificates, makeSigningCertificate } from './tls.js';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './token-server.js';

// Starts Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1 for
// integration tests, in one of four modes, with its storage in a temp folder.

/** How the registry authenticates and what it speaks. */
export type RegistryMode = 'plain' | 'basic' | 'tls' | 'token';

/** Options for startRegistry. */
export interface RegistryOptions {
  username?: string;
  password?: string;
  /** token mode: lifetime of issued tokens in seconds (negative: already expired). */
  tokenLifetimeSeconds?: number;
  /** token mode: anonymous requests get pull access. */
  anonymousPull?: boolean;
}

/** A running registry; `stop()` kills it and removes its folder. */
export interface RegistryHandle {
  mode: RegistryMode;
  /** `127.0.0.1:PORT`, as an image reference names it. */
  host: string;
  /** `http://127.0.0.1:PORT` or `https://…`. */
  url: string;
  username?: string;
  password?: string;
  /** tls mode: the CA that signed the registry's certificate. */
  caFile?: string;
  /** token mode: the token server (requests seen, options to change). */
  tokenServer?: TokenServer;
  logFile: string;
  dir: string;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const SERVICE = 'slipway-test-registry';
const ISSUER = 'slipway-test-issuer';
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Start docker-registry in `mode` and wait until `/v2/` answers. */
export async function startRegistry(
  mode: RegistryMode,
  options: RegistryOptions = {},
): Promise<RegistryHandle> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-registry-${mode}-`));
  const username =
    mode === 'basic' || mode === 'token' ? (options.username ?? 'tester') : undefined;
  const password =
    username === undefined ? undefined : (options.password ?? `pw-${process.pid}-${Date.now()}`);
  let auth = '';
  let tls = '';
  let caFile: string | undefined;
  let tokenServer: TokenServer | undefined;
  if (mode === 'basic') {
    const { stdout } = await run('htpasswd', ['-Bbn', username!, password!]);
    await writeFile(join(dir, 'htpasswd'), stdout);
    auth = `auth:\n  htpasswd:\n    realm: ${SERVICE}\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  if (mode === 'tls') {
    const certs = await makeCertificates(dir);
    caFile = certs.caFile;
    tls = `  tls:\n    certificate: ${certs.certFile}\n    key: ${certs.keyFile}\n`;
  }
  if (mode === 'token') {
    const signing = await makeSigningCertificate(dir);
    const tokenOptions: TokenServerOptions = {
      users: { [username!]: password! },
      service: SERVICE,
      issuer: ISSUER,
      ...signing,
      lifetimeSeconds: options.tokenLifetimeSeconds,
      anonymousPull: options.anonymousPull,
    };
    tokenServer = await startTokenServer(tokenOptions);
    auth =
      `auth:\n  token:\n    realm: ${tokenServer.url}\n    service: ${SERVICE}\n` +
      `    issuer: ${ISSUER}\n    rootcertbundle: ${signing.certFile}\n`;
  }

  const logFile = join(dir, 'registry.log');
  const scheme = mode === 'tls' ? 'https' : 'http';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      'version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n' +
        `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\n` +
        '  delete:\n    enabled: true\n' +
        `http:\n  addr: 127.0.0.1:${port}\n  secret: ${SERVICE}-${port}\n${tls}${auth}`,
    );
    const log = openSync(logFile, 'a');
    const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
    live.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = `${scheme}://127.0.0.1:${port}`;
    if (await waitForV2(url, child, logFile, `listening on 127.0.0.1:${port}`)) {
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        live.delete(child);
        await tokenServer?.stop();
        await rm(dir, { recursive: true, force: true });
      };
      const host = `127.0.0.1:${port}`;
      return { mode, host, url, username, password, caFile, tokenServer, logFile, dir, stop };
    }
    live.delete(child);
    child.kill('SIGKILL');
    await exited;
    if (attempt >= 3) {
      const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-10).join('\n');
      await tokenServer?.stop();
      throw new Error(`docker-registry (${mode}) did not start:\n${tail}`);
    }
  }
}

// Another suite's registry may take the same free port a moment earlier: an
// answer on the port proves nothing until our own process says it listens there.
async function waitForV2(
  url: string,
  child: ChildProcess,
  logFile: string,
  listening: string,
): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    const ours = (await readFile(logFile, 'utf8').catch(() => '')).includes(listening);
    if (ours && (await answers(`${url}/v2/`))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function answers(url: string): Promise<boolean> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
