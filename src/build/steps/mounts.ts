import { createHash } from 'node:crypto';
import { chmod, chown, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Mount, RunInstruction } from '../../dockerfile/index.js';
import { InputError } from '../../errors/index.js';
import type { KeyPart } from '../cache-key.js';
import { type CopySpec, digestCopy, executeCopy, planCopy, resolveInRoot } from '../copy/index.js';
import type { SandboxMount } from '../sandbox/index.js';
import type { StageRun } from '../stage.js';
import { openCacheDir } from './cache-mount.js';
import { type SourceRoot, sourceRoot } from './sources.js';

// RUN --mount: cache folders kept between builds by id (shared, locked or
// private), secrets as read-only files that never reach a layer, binds from
// the context, a stage or an image, and tmpfs. Each contributes what can
// change the result to the step's key: a bind its content, a cache only its id.

/** The mounts of one RUN: their key part, then open for the run and close after. */
export interface PreparedMounts {
  key: KeyPart;
  /** Environment entries from secrets with `env=`. */
  env: string[];
  open(): Promise<SandboxMount[]>;
  close(): Promise<void>;
}

/** Work out the mounts of a RUN and their cache key part; nothing is mounted yet. */
export async function prepareMounts(run: StageRun, instruction: RunInstruction) {
  const keys: KeyPart[] = [];
  const openers: (() => Promise<SandboxMount[]>)[] = [];
  const closers: (() => Promise<void>)[] = [];
  // Mounts of one id in one RUN share a folder, as BuildKit's do (and a
  // second lock on it would wait for the first for ever).
  const caches = new Map<string, Promise<string>>();
  const env: string[] = [];
  for (const mount of instruction.mounts) {
    const target = mountTarget(run, mount);
    if (mount.type === 'cache') {
      const id = mount.id ?? target;
      keys.push(['cache', id, target, mount.sharing ?? 'shared']);
      openers.push(async () => {
        const dir = caches.get(id) ?? openCache(run, mount, id, closers);
        caches.set(id, dir);
        return [{ type: 'bind', source: await dir, target, readonly: mount.readOnly }];
      });
    } else if (mount.type === 'tmpfs') {
      keys.push(['tmpfs', target]);
      openers.push(async () => [{ type: 'tmpfs', target, size: mount.size }]);
    } else if (mount.type === 'secret') {
      const id = mount.id ?? posix.basename(target);
      keys.push(['secret', id, mount.env ? null : target, mount.env ?? null]);
      const secret = run.env.options.secrets?.find((s) => s.id === id);
      if (!secret) {
        if (mount.required)
          throw new InputError('SECRET_MISSING', `secret ${id} is required`, {
            hint: `pass it with --secret id=${id},src=FILE or --secret id=${id},env=VARIABLE`,
          });
        continue;
      }
      if (mount.env) {
        env.push(
          `${mount.env}=${'value' in secret ? secret.value : await readSecret(secret.file)}`,
        );
        continue;
      }
      openers.push(() => openSecret(run, secret, target, mount));
    } else if (mount.type === 'bind') {
      const source = await sourceRoot(run, mount.from);
      closers.push(source.release);
      const path = mount.source ?? '/';
      const content = source.key ?? (await treeDigest(run, source, path));
      keys.push(['bind', content, path, target, mount.readOnly]);
      openers.push(() => openBind(run, source, path, target, mount, closers));
    } else {
      throw new InputError('UNSUPPORTED_MOUNT', `RUN --mount=type=${mount.type} is not supported`);
    }
  }
  return {
    key: keys,
    env,
    open: async () => (await Promise.all(openers.map((o) => o()))).flat(),
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  } satisfies PreparedMounts;
}

function mountTarget(run: StageRun, mount: Mount): string {
  if (mount.type === 'secret' && mount.target === undefined) {
    return `/run/secrets/${mount.id ?? ''}`;
  }
  if (mount.target === undefined) {
    throw new InputError('MOUNT_TARGET', `RUN --mount=type=${mount.type} needs target=PATH`);
  }
  const workdir = run.state.config.config?.WorkingDir || '/';
  return posix.resolve(workdir, mount.target);
}

async function openCache(
  run: StageRun,
  mount: Mount,
  id: string,
  closers: (() => Promise<void>)[],
): Promise<string> {
  const name = createHash('sha256').update(id).digest('hex').slice(0, 32);
  const base = join(run.env.cacheMountsDir, name);
  const sharing = mount.sharing ?? 'shared';
  const cache = await openCacheDir(base, sharing, mount, run.env.tempDir, run.env.signal);
  closers.push(cache.release);
  return cache.dir;
}

async function openSecret(
  run: StageRun,
  secret: { id: string; file: string } | { id: string; value: string },
  target: string,
  mount: Mount,
): Promise<SandboxMount[]> {
  let file = 'file' in secret ? secret.file : '';
  if ('value' in secret) {
    file = join(run.env.tempDir, `secret-${createHash('sha256').update(secret.id).digest('hex')}`);
    await writeFile(file, secret.value, { mode: 0o400 });
  }
  const copy = join(run.env.tempDir, `secret-mount-${Math.random().toString(36).slice(2)}`);
  await cp(file, copy);
  await chown(copy, mount.uid ?? 0, mount.gid ?? 0);
  await chmod(copy, mount.mode ?? 0o400);
  return [{ type: 'bind', source: copy, target, readonly: true }];
}

async function readSecret(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(file, 'utf8');
}

async function openBind(
  run: StageRun,
  from: SourceRoot,
  path: string,
  target: string,
  mount: Mount,
  closers: (() => Promise<void>)[],
): Promise<SandboxMount[]> {
  if (from.ignore?.visible) {
    // What .dockerignore hides is not in BuildKit's context, so not in its bind
    // either: the RUN gets a copy of the rest (owned 0:0, as the context is sent).
    const scratch = await mkdtemp(join(run.env.tempDir, 'bind-'));
    closers.push(() => rm(scratch, { recursive: true, force: true }));
    const spec = bindSpec(from, path, '/x');
    await executeCopy(await planCopy(spec, scratch), spec, scratch);
    return [{ type: 'bind', source: join(scratch, 'x'), target, readonly: mount.readOnly }];
  }
  let source = await resolveInRoot(from.root, path);
  if (!mount.readOnly) {
    // Writes to a read-write bind are thrown away, as BuildKit does.
    const scratch = await mkdtemp(join(run.env.tempDir, 'bind-'));
    await cp(source, join(scratch, 'x'), { recursive: true, preserveTimestamps: true });
    source = join(scratch, 'x');
    closers.push(() => rm(scratch, { recursive: true, force: true }));
  }
  return [{ type: 'bind', source, target, readonly: mount.readOnly }];
}

/** The copy of `path` from a source root that a bind shows: its .dockerignore applied. */
function bindSpec(from: SourceRoot, path: string, dest: string): CopySpec {
  return {
    srcRoot: from.root,
    sources: [path],
    dest,
    fromContext: true,
    excludes: [],
    parents: false,
    unpackArchives: false,
    ...from.ignore,
  };
}

async function treeDigest(run: StageRun, from: SourceRoot, path: string): Promise<string> {
  const spec = bindSpec(from, path, '/');
  return digestCopy(await planCopy(spec, run.env.tempDir), spec, run.env.hashes);
}
