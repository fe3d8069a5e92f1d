import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, lstat, mkdir, readFile, readlink, realpath, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type BaseImage, cachedImage, makeBusyboxRootfs, PATH_ENV } from './base-image.js';
import { goArch } from './image-layout.js';

// A Java runtime base image made from this machine's Debian packages, with no
// registry: busybox-static for a shell, a JRE cut from the installed JDK by
// jlink (its jmods ship in openjdk-17-jdk-headless), and the shared libraries
// that JRE loads, copied from the host. About 45 MB; built once per JDK.

const run = promisify(execFile);

/** The JDK the runtime is cut from: Debian's openjdk-17-jdk-headless for this arch. */
export const JDK_HOME = `/usr/lib/jvm/java-17-openjdk-${goArch()}`;
/** Where the runtime lives inside the image. */
export const JAVA_HOME = '/opt/java/openjdk';
/** The modules of the runtime: enough for JDK-only services and their tools. */
export const JRE_MODULES = [
  'java.base',
  'java.logging',
  'java.management',
  'java.naming',
  'java.net.http',
  'java.xml',
  'jdk.crypto.ec',
  'jdk.httpserver',
  'jdk.unsupported',
];

/** The host path of every library `files` load (by ldd), except those under `own`. */
async function sharedLibraries(files: string[], own: string): Promise<string[]> {
  const found = new Set<string>();
  for (const file of files) {
    const { stdout } = await run('ldd', [file]).catch(() => ({ stdout: '' }));
    for (const line of stdout.split('\n')) {
      const path = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1];
      if (path && !path.startsWith(own)) found.add(path);
    }
  }
  return [...found].sort();
}

/** Copy a host library into `root` at its real folder, keeping merged-/usr links. */
async function copyLibrary(root: string, path: string): Promise<void> {
  const top = `/${path.split('/')[1]}`;
  const link = await lstat(top);
  if (link.isSymbolicLink() && !(await lstat(join(root, top)).catch(() => undefined))) {
    await symlink(await readlink(top), join(root, top));
  }
  const folder = join(root, await realpath(dirname(path)));
  await mkdir(folder, { recursive: true });
  await copyFile(await realpath(path), join(folder, basename(path)));
}

async function fillRootfs(root: string): Promise<void> {
  await makeBusyboxRootfs(root);
  const java = join(root, JAVA_HOME);
  await mkdir(dirname(java), { recursive: true });
  await run(join(JDK_HOME, 'bin/jlink'), [
    ...['--add-modules', JRE_MODULES.join(',')],
    ...['--strip-debug', '--no-man-pages', '--no-header-files', '--compress=0'],
    ...['--output', java],
  ]);
  const { stdout } = await run('find', [
    java,
    '-type',
    'f',
    '(',
    '-name',
    '*.so',
    '-o',
    '-path',
    '*/bin/*',
    ')',
  ]);
  const libraries = await sharedLibraries(stdout.split('\n').filter(Boolean), java);
  for (const library of libraries) await copyLibrary(root, library);
}

/** The JRE image as an OCI layout tagged `17`, cached per JDK build and busybox. */
export async function makeJreImage(cacheDir?: string): Promise<BaseImage> {
  const release = await readFile(join(JDK_HOME, 'release'), 'utf8');
  const busybox = await readFile('/bin/busybox');
  const key = createHash('sha256')
    .update(release)
    .update(busybox)
    .update(JRE_MODULES.join(','))
    .digest('hex');
  const version = /JAVA_RUNTIME_VERSION="([^"]+)"/.exec(release)?.[1] ?? 'unknown';
  const config = {
    env: [`${PATH_ENV.replace('PATH=', `PATH=${JAVA_HOME}/bin:`)}`, `JAVA_HOME=${JAVA_HOME}`],
    cmd: ['java', '-version'],
    createdBy: `slipway test harness: jlink of Debian's OpenJDK ${version} on busybox-static`,
    tag: '17',
  };
  return cachedImage(`jre-${key.slice(0, 12)}`, config, fillRootfs, cacheDir);
}
