import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of a test certificate authority and a server certificate it signed. */
export interface TestCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
}

// A throwaway CA and a server certificate for 127.0.0.1, made with openssl.
/**
 * Make a CA and a server certificate (SAN IP:127.0.0.1, DNS:localhost) under
 * `dir`. The CA file sits alone in `dir/ca/`, usable as a `--cert-dir`.
 */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(join(dir, 'ca'), { recursive: true });
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca', 'ca.crt');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.crt');
  const extFile = join(dir, 'server.ext');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-subj',
    '/CN=slipway test CA',
  ]);
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csr,
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await writeFile(extFile, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-CAserial',
    join(dir, 'ca.srl'),
    '-days',
    '2',
    '-extfile',
    extFile,
    '-out',
    certFile,
  ]);
  return { caFile, certFile, keyFile };
}

/** A self-signed certificate for a token signing key (the registry's root bundle). */
export async function makeSigningCertificate(
  dir: string,
): Promise<{ keyFile: string; certFile: string }> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-subj',
    '/CN=slipway test token issuer',
  ]);
  return { keyFile, certFile };
}
