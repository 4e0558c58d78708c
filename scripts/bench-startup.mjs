#!/usr/bin/env node
// Start-up of one-shot commands against the Node floor (`node -e 0`), in one hyperfine run,
// in a clean environment (env -i: no NODE_OPTIONS, no NODE_EXTRA_CA_CERTS), against a local
// Mosquitto. Prints each command's mean and its ratio to the floor. Needs hyperfine
// (apt-get install hyperfine) and Mosquitto.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchBroker } from './lib/mosquitto.mjs';

if (spawnSync('hyperfine', ['--version']).error !== undefined) {
  console.error('bench:startup needs hyperfine: apt-get install hyperfine');
  process.exit(1);
}
const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const RUNS = process.env.RUNS ?? '40';
const broker = await startBenchBroker('startup');
try {
  const port = String(broker.port);
  const cases = [
    ['node -e 0', 'node -e 0'],
    ['mosquitto_pub -m', `mosquitto_pub -p ${port} -t startup -m x`],
    ['mqtt-tool --version', `node ${BIN} --version`],
    ['mqtt-tool pub --help', `node ${BIN} pub --help`],
    ['mqtt-tool pub -m', `node ${BIN} pub -p ${port} -t startup -m x`],
    ['mqtt-tool pub -m -q 1', `node ${BIN} pub -p ${port} -t startup -m x -q 1`],
  ];
  const out = join(broker.dir, 'startup.json');
  execFileSync(
    'env',
    ['-i', `PATH=${process.env.PATH}`, `HOME=${broker.dir}`, 'hyperfine', '-N', '--warmup', '5', '--runs', RUNS, '--export-json', out, ...cases.flatMap(([name, cmd]) => ['-n', name, cmd])],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const results = JSON.parse(readFileSync(out, 'utf8')).results;
  const floor = results[0].mean;
  console.log(`node ${process.version}, ${RUNS} runs each, clean environment`);
  for (const r of results) console.log(`${r.command.padEnd(24)} ${(r.mean * 1000).toFixed(1).padStart(6)} ms ± ${(r.stddev * 1000).toFixed(1).padStart(4)}   ${(r.mean / floor).toFixed(2)}x node -e 0`);
} finally {
  await broker.stop();
}
