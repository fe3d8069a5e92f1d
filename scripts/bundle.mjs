// Bundles the compiled CLI (`npm run build` runs it after tsc). Loading ~160
// small modules costs Node more than running a warm build does, so every
// command pays less when our code is a handful of files: esbuild bundles
// dist/src/cli/bin.js into dist/src/cli/bundle/ (one chunk per lazily loaded
// command, npm packages left as imports), and bin.js becomes a loader of it.
// tsc writes bin.js anew each time, so the bundle can never be older than it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const entry = 'dist/src/cli/bin.js';
const outdir = 'dist/src/cli/bundle';
const LOADER = '// slipway: loads the bundle';

if (readFileSync(entry, 'utf8').includes(LOADER)) {
  console.error(`${entry} is already the bundle's loader: run tsc before bundling`);
  process.exit(1);
}
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [entry],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
writeFileSync(
  entry,
  `#!/usr/bin/env node\n${LOADER} (scripts/bundle.mjs)\nimport './bundle/bin.js';\n`,
);
