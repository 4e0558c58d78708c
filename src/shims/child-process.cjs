// Given to commander only (see scripts/build.mjs): it requires node:child_process at
// load time for executable subcommands, which mqtt-tool never uses.
'use strict';

let real;
module.exports = new Proxy({}, {
  get(_target, key) {
    real ??= require('child_process');
    return real[key];
  },
});
