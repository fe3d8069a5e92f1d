import { execFile } from 'node:child_process';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type LayoutConfig, sha256File, writeImageLayout } from './image-layout.js';

// A busybox base image for tests, made from Debian's busybox-static with system
// tools only (tar, gzip), so tests of slipway's own layer code do not test
// themselves. The layer is reproducible: the same busybox gives the same digest.

const run = promisify(execFile);
const BUSYBOX = '/bin/busybox';
/** The PATH of the test base images, as Docker's default. */
export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The digests of the test base image, as written in its OCI layout. */
export interface BaseImage {
  /** An OCI image layout; the image is tagged `latest` in it. */
  layout: string;
  tag: string;
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
  diffId: string;
}

/** Write busybox-static, its applet links and the account files into `root`. */
export async function makeBusyboxRootfs(root: string): Promise<void> {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'tmp', 'var']) {
    await mkdir(join(root, d), { recursive: true });
  }
  await copyFile(BUSYBOX, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  const { stdout } = await run(BUSYBOX, ['--list-full']);
  for (const applet of stdout.split('\n').filter(Boolean)) {
    if (applet === 'bin/busybox') continue;
    await mkdir(dirname(join(root, applet)), { recursive: true });
    await symlink('/bin/busybox', join(root, applet));
  }
  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await chmod(join(root, 'etc/passwd'), 0o644);
  await chmod(join(root, 'etc/group'), 0o644);
  await chmod(join(root, 'root'), 0o700);
  await chmod(join(root, 'tmp'), 0o1777);
}

/**
 * An image built once per `key` by `fill` (which writes a root filesystem) and
 * cached under `cacheDir` (default: the system temp folder), shared by test files.
 */
export async function cachedImage(
  key: string,
  config: LayoutConfig,
  fill: (root: string) => Promise<void>,
  cacheDir?: string,
): Promise<BaseImage> {
  const base = cacheDir ?? join(tmpdir(), 'slipway-test-cache');
  const done = join(base, key);
  const summary = join(done, 'image.json');
  try {
    const cached = JSON.parse(await readFile(summary, 'utf8')) as Omit<BaseImage, 'layout'>;
    return { ...cached, layout: join(done, 'layout') };
  } catch {
    // not built yet
  }
  await mkdir(base, { recursive: true });
  const work = await mkdtemp(join(base, '.build-'));
  try {
    await fill(join(work, 'rootfs'));
    const digests = await writeImageLayout(
      join(work, 'rootfs'),
      join(work, 'layout'),
      work,
      config,
    );
    await rm(join(work, 'rootfs'), { recursive: true });
    await writeFile(join(work, 'image.json'), JSON.stringify({ ...digests, tag: config.tag }));
    // Another test file may have finished first; its copy is identical.
    await rename(work, done).catch(() => rm(work, { recursive: true, force: true }));
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
  return cachedImage(key, config, fill, cacheDir);
}

/** The busybox image as an OCI layout, built once per busybox binary. */
export async function makeBusyboxImage(cacheDir?: string): Promise<BaseImage> {
  const key = (await sha256File(BUSYBOX)).slice(7, 19);
  const config = {
    env: [PATH_ENV],
    cmd: ['sh'],
    createdBy: 'slipway test harness: busybox-static',
    tag: 'latest',
  };
  return cachedImage(`busybox-${key}`, config, makeBusyboxRootfs, cacheDir);
}

/** How to reach a test registry with skopeo. */
export interface PushAccess {
  username?: string;
  password?: string;
  /** A CA file for a TLS registry; without it TLS is not verified (and HTTP is allowed). */
  caFile?: string;
}

/** Push `image` (default: busybox) to `registryHost` as `repoTag` with skopeo. */
export async function pushBaseImage(
  registryHost: string,
  repoTag: string,
  access: PushAccess = {},
  base?: BaseImage,
): Promise<BaseImage> {
  const image = base ?? (await makeBusyboxImage());
  const args = ['copy', '--quiet'];
  let certDir: string | undefined;
  if (access.caFile) {
    certDir = await mkdtemp(join(tmpdir(), 'slipway-certs-'));
    await copyFile(access.caFile, join(certDir, 'ca.crt'));
    args.push('--dest-cert-dir', certDir);
  } else {
    args.push('--dest-tls-verify=false');
  }
  if (access.username !== undefined) {
    args.push('--dest-creds', `${access.username}:${access.password ?? ''}`);
  }
  args.push(`oci:${image.layout}:${image.tag}`, `docker://${registryHost}/${repoTag}`);
  try {
    await run('skopeo', args);
  } finally {
    if (certDir) await rm(certDir, { recursive: true, force: true });
  }
  return image;
}
