#!/usr/bin/env node
'use strict';
// Node 22+ caches compiled code between runs; a one-shot `pub` is mostly start-up.
require('node:module').enableCompileCache?.();
require('../dist/cli.cjs').main(process.argv);
