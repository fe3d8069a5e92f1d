import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseSettings, CaseSpec } from './case-spec.js';

const here = (file: string) =>
  fileURLToPath(new URL(`../../../bench/conformance/${file}`, import.meta.url));

/** Build settings of kaniko's integration cases (upstream integration/images.go). */
function kanikoSettings(): Record<string, CaseSettings> {
  return JSON.parse(readFileSync(here('kaniko-settings.json'), 'utf8'));
}

/** Cases whose reference (BuildKit v0.8) differs from current BuildKit, with the reason. */
export function knownDifferences(): Record<string, string> {
  return JSON.parse(readFileSync(here('known-differences.json'), 'utf8'));
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function withSettings(spec: CaseSpec, settings: CaseSettings | undefined): CaseSpec {
  const known = knownDifferences()[spec.name];
  const merged = { ...spec, ...settings };
  return known && !merged.knownDifference ? { ...merged, knownDifference: known } : merged;
}

/** kaniko's layout: dockerfiles/* built with the folder as context; one folder per context. */
function kanikoCases(dir: string): CaseSpec[] {
  const settings = kanikoSettings();
  const cases: CaseSpec[] = [];
  const dockerfiles = join(dir, 'dockerfiles');
  for (const name of readdirSync(dockerfiles).sort()) {
    const path = join(dockerfiles, name);
    if (name.endsWith('.dockerignore') || isDir(path)) continue;
    const ignore = `${path}.dockerignore`;
    const spec: CaseSpec = { name, context: dir, dockerfile: path };
    if (existsSync(ignore)) spec.dockerignore = ignore;
    const own = settings[name];
    if (own?.contextDir) spec.context = join(dir, own.contextDir);
    cases.push(withSettings(spec, own));
  }
  const withContext = join(dir, 'dockerfiles-with-context');
  for (const name of isDir(withContext) ? readdirSync(withContext).sort() : []) {
    const context = join(withContext, name);
    const spec = { name, context, dockerfile: join(context, 'Dockerfile') };
    cases.push(withSettings(spec, settings[name]));
  }
  return cases;
}

function folderCase(dir: string): CaseSpec {
  const settingsFile = join(dir, 'case.json');
  const settings = existsSync(settingsFile)
    ? (JSON.parse(readFileSync(settingsFile, 'utf8')) as CaseSettings)
    : undefined;
  const spec = { name: basename(dir), context: dir, dockerfile: join(dir, 'Dockerfile') };
  return withSettings(spec, settings);
}

/** The cases of a folder: kaniko's layout, one case folder, or a folder of case folders. */
export function discoverCases(folder: string): CaseSpec[] {
  const dir = resolve(folder);
  if (isDir(join(dir, 'dockerfiles'))) return kanikoCases(dir);
  if (existsSync(join(dir, 'Dockerfile'))) return [folderCase(dir)];
  return readdirSync(dir)
    .sort()
    .map((name) => join(dir, name))
    .filter((path) => isDir(path) && existsSync(join(path, 'Dockerfile')))
    .map(folderCase);
}
