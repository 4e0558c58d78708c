#!/usr/bin/env node
// The longer fuzzing campaign: the in-process and end-to-end fuzz tests with FUZZ_SCALE times
// their cases (default 10) from a fresh seed (FUZZ_SEED, default the time), printing the seed so a
// failure can be replayed: FUZZ_SEED=<seed> npm run fuzz.
import { spawnSync } from 'node:child_process';

const seed = process.env.FUZZ_SEED ?? String(Date.now() % 2_147_483_647);
const scale = process.env.FUZZ_SCALE ?? '10';
process.stdout.write(`fuzz: seed ${seed}, ${scale} times the cases of npm test\n`);
const run = spawnSync('npx', ['vitest', 'run', 'test/unit/fuzz-inbound.test.ts', 'test/integration/fuzz-e2e.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_SCALE: scale },
});
process.exit(run.status ?? 1);
