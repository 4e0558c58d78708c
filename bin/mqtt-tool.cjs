#!/usr/bin/env node
'use strict';
// A one-shot `pub` is mostly start-up: keep the compiled bundles between runs.
// Node 22+ does it itself; on Node 20, src/code-cache.ts does it for dist/ only.
const { join, sep } = require('node:path');
const { enableCompileCache } = require('node:module');
const dist = join(__dirname, '..', 'dist');
// A source checkout builds dist/ on its first run (the packed package ships it, and carries
// no install script of its own for npm to warn about).
const { existsSync } = require('node:fs');
if (!existsSync(join(dist, 'cli.cjs')) && existsSync(join(__dirname, '..', 'scripts', 'build.mjs'))) {
  process.stderr.write('mqtt-tool: building dist/ from source (first run of this checkout)\n');
  const built = require('node:child_process').spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) {
    process.stderr.write('mqtt-tool: the build failed; run `npm install` in the checkout, then `npm run build`\n');
    process.exit(1);
  }
}
let cli;
if (enableCompileCache !== undefined) {
  enableCompileCache();
  cli = require(join(dist, 'cli.cjs'));
} else {
  const { createBundleLoader, BUNDLE_LOADER } = require(join(dist, 'code-cache.cjs'));
  const load = createBundleLoader(dist + sep);
  globalThis[BUNDLE_LOADER] = load;
  cli = load(join(dist, 'cli.cjs'));
}
cli.main(process.argv);
