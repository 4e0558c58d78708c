#!/usr/bin/env node
'use strict';
// A one-shot `pub` is mostly start-up: keep the compiled bundles between runs.
// Node 22+ does it itself; on Node 20, src/code-cache.ts does it for dist/ only.
const { join, sep } = require('node:path');
const { enableCompileCache } = require('node:module');
const dist = join(__dirname, '..', 'dist');
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
