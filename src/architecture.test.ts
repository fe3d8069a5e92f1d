import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// DESIGN.md's module direction: a module may import only the modules listed.
const BASE = ['util', 'log', 'errors'];
const STORAGE = [...BASE, 'image', 'layer', 'mutate', 'store', 'auth'];
const ALLOWED: Record<string, string[]> = {
  util: ['util', 'errors'],
  log: ['log'],
  errors: ['errors'],
  image: [...BASE, 'image'],
  layer: [...BASE, 'image', 'layer'],
  mutate: [...BASE, 'image', 'mutate'],
  store: [...BASE, 'image', 'store'],
  auth: [...BASE, 'image', 'auth'],
  registry: [...STORAGE, 'registry'],
  dockerfile: [...BASE, 'dockerfile'],
  build: [...STORAGE, 'registry', 'dockerfile', 'build'],
  pipeline: [...BASE, 'image', 'pipeline'],
  steps: [...STORAGE, 'registry', 'dockerfile', 'build', 'pipeline', 'steps'],
};

const srcDir = resolve(fileURLToPath(import.meta.url), '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name.startsWith('testdata') ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function moduleOf(root: string, path: string): string {
  return relative(root, path).split('/')[0] ?? '';
}

/** Imports that break the direction, as `file -> module`. */
function violations(root: string): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(root)) {
    const from = moduleOf(root, file);
    // cli may import everything; files at the top of src/ are not a module.
    if (from === 'cli' || from.endsWith('.ts')) continue;
    const allowed = ALLOWED[from];
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = moduleOf(root, resolve(file, '..', match[1] ?? ''));
      if (allowed === undefined || !allowed.includes(target)) {
        found.push(`${relative(root, file)} -> ${target}`);
      }
    }
  }
  return found;
}

test('every module imports only what DESIGN.md allows', () => {
  assert.deepEqual(violations(srcDir), []);
});

test('an import against the direction is reported', () => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-arch-'));
  mkdirSync(join(root, 'image'));
  mkdirSync(join(root, 'dockerfile'));
  writeFileSync(join(root, 'image', 'ref.ts'), "import { x } from '../registry/client.js';\n");
  writeFileSync(join(root, 'dockerfile', 'parse.ts'), "import { y } from '../errors/index.js';\n");
  assert.deepEqual(violations(root), ['image/ref.ts -> registry']);
  rmSync(root, { recursive: true });
});
