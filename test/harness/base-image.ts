import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

// A busybox base image for tests, made from Debian's busybox-static with system
// tools only (tar, gzip), so tests of slipway's own layer code do not test
// themselves. The layer is reproducible: the same busybox gives the same digest.

const run = promisify(execFile);
const BUSYBOX = '/bin/busybox';
const EPOCH = 1747699200; // 2025-05-20T00:00:00Z
const CREATED = new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z');
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

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

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

function goArch(): string {
  return (
    (
      { x64: 'amd64', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le' } as Record<
        string,
        string
      >
    )[process.arch] ?? process.arch
  );
}

async function makeRootfs(root: string): Promise<void> {
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

async function writeBlob(layout: string, content: string): Promise<[string, number]> {
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  await writeFile(join(layout, 'blobs/sha256', digest.slice(7)), content);
  return [digest, Buffer.byteLength(content)];
}

async function build(work: string): Promise<Omit<BaseImage, 'layout' | 'tag'>> {
  const root = join(work, 'rootfs');
  const layout = join(work, 'layout');
  await makeRootfs(root);
  await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
  const tar = join(work, 'layer.tar');
  const gz = join(work, 'layer.tar.gz');
  await run('tar', [
    '-C',
    root,
    '--sort=name',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    `--mtime=@${EPOCH}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-cf',
    tar,
    '.',
  ]);
  await run('sh', ['-c', 'gzip -n -6 < "$1" > "$2"', 'sh', tar, gz]);
  const diffId = await sha256File(tar);
  const layerDigest = await sha256File(gz);
  const layerSize = (await stat(gz)).size;
  await rename(gz, join(layout, 'blobs/sha256', layerDigest.slice(7)));

  const config = JSON.stringify({
    created: CREATED,
    architecture: goArch(),
    os: 'linux',
    config: { Env: [PATH_ENV], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: CREATED, created_by: 'slipway test harness: busybox-static' }],
  });
  const [configDigest, configSize] = await writeBlob(layout, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: configSize,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: layerDigest,
        size: layerSize,
      },
    ],
  });
  const [manifestDigest, manifestSize] = await writeBlob(layout, manifest);
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifestDigest,
        size: manifestSize,
        annotations: { 'org.opencontainers.image.ref.name': 'latest' },
      },
    ],
  };
  await writeFile(join(layout, 'index.json'), JSON.stringify(index));
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { manifestDigest, configDigest, layerDigest, diffId };
}

/**
 * The busybox image as an OCI layout, built once per busybox binary and cached
 * under `cacheDir` (default: the system temp folder), shared by test files.
 */
export async function makeBusyboxImage(cacheDir?: string): Promise<BaseImage> {
  const key = (await sha256File(BUSYBOX)).slice(7, 19);
  const base = cacheDir ?? join(tmpdir(), 'slipway-test-cache');
  const done = join(base, `busybox-${key}`);
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
    const digests = await build(work);
    await rm(join(work, 'rootfs'), { recursive: true });
    await rm(join(work, 'layer.tar'));
    await writeFile(join(work, 'image.json'), JSON.stringify({ ...digests, tag: 'latest' }));
    // Another test file may have finished first; its copy is identical.
    await rename(work, done).catch(() => rm(work, { recursive: true, force: true }));
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
  return makeBusyboxImage(cacheDir);
}

/** How to reach a test registry with skopeo. */
export interface PushAccess {
  username?: string;
  password?: string;
  /** A CA file for a TLS registry; without it TLS is not verified (and HTTP is allowed). */
  caFile?: string;
}

/** Push the busybox image to `registryHost` as `repoTag` (e.g. `busybox:latest`) with skopeo. */
export async function pushBaseImage(
  registryHost: string,
  repoTag: string,
  access: PushAccess = {},
): Promise<BaseImage> {
  const image = await makeBusyboxImage();
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
