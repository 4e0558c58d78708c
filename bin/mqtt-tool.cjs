#!/usr/bin/env node
'use strict';
// A one-shot `pub` is mostly start-up: keep the compiled bundles between runs.
// Node 22+ does it itself; on Node 20, src/code-cache.ts does it for dist/ only.
const { join, sep } = require('node:path');
const { enableCompileCache } = require('node:module');
if (enableCompileCache !== undefined) enableCompileCache();
else require('../dist/code-cache.cjs').installCodeCache(join(__dirname, '..', 'dist') + sep);
require('../dist/cli.cjs').main(process.argv);
