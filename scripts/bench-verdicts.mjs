#!/usr/bin/env node
// Does bench's verdict hold? Four consecutive default runs of `mqtt-tool bench` against one local
// Mosquitto; in runs 2 and 4 a busy loop (one core) starts 20 s into the run and lasts 20 s. Prints
// per run: its time, each comparison with QoS 0 (throughput ratio and its 95 % interval, verdict;
// p50 and p99 differences with theirs), the interval widths, and the warning codes; then whether
// any comparison got opposite verdicts in two runs. RUNS and BUSY_AT / BUSY_FOR (seconds) change
// the plan; extra arguments go to bench.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBenchBroker } from './lib/mosquitto.mjs';

const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 4);
const BUSY_AT = Number(process.env.BUSY_AT ?? 20);
const BUSY_FOR = Number(process.env.BUSY_FOR ?? 20);
const extra = process.argv.slice(2);
const broker = await startBenchBroker('verdicts');

function bench(disturbed) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn('node', [BIN, 'bench', ...broker.conn, '--json', ...extra], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    let hog;
    const timer = disturbed
      ? setTimeout(() => {
          hog = spawn(process.execPath, ['-e', `const end = Date.now() + ${BUSY_FOR * 1000}; while (Date.now() < end);`], { stdio: 'ignore' });
        }, BUSY_AT * 1000)
      : undefined;
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (hog !== undefined && hog.exitCode === null) hog.kill('SIGKILL');
      if (code !== 0) reject(new Error(`bench exited with ${code}`));
      else resolve({ report: JSON.parse(out), seconds: (Date.now() - t0) / 1000 });
    });
  });
}

const pct = (ci, mid) => (ci === null ? 'none' : `±${((100 * (ci[1] - ci[0])) / 2 / mid).toFixed(1)}%`);
const ms = (ci) => (ci === null ? 'none' : `${ci[0]}..${ci[1]} ms`);
const verdicts = new Map();
try {
  console.log(`node ${process.version}; mosquitto on 127.0.0.1:${broker.port}; ${RUNS} runs of: mqtt-tool bench ${extra.join(' ') || '(defaults)'}`);
  for (let run = 1; run <= RUNS; run++) {
    const disturbed = run % 2 === 0;
    const { report, seconds } = await bench(disturbed);
    console.log(`\nrun ${run}${disturbed ? ` (busy loop from ${BUSY_AT} s for ${BUSY_FOR} s)` : ' (quiet)'}: ${seconds.toFixed(1)} s, ${report.parameters.trials} trials`);
    for (const l of report.results) console.log(`  QoS ${l.qos}: ${l.msgsPerSec} msg/s, 95 % interval ${l.msgsPerSecCi95?.join('..') ?? 'none'} (${pct(l.msgsPerSecCi95, l.msgsPerSec)})`);
    for (const c of report.comparisons) {
      console.log(`  QoS ${c.qos} vs 0: throughput ${c.throughputRatio}x [${c.throughputRatioCi95?.join('..') ?? 'none'}] (${pct(c.throughputRatioCi95, c.throughputRatio)}) -> ${c.verdict}; p50 ${c.p50DeltaMs} ms [${ms(c.p50DeltaMsCi95)}] -> ${c.p50Verdict}; p99 ${c.p99DeltaMs} ms [${ms(c.p99DeltaMsCi95)}] -> ${c.p99Verdict}`);
      for (const [figure, verdict] of [['throughput', c.verdict], ['p50', c.p50Verdict], ['p99', c.p99Verdict]]) {
        const key = `QoS ${c.qos} ${figure}`;
        verdicts.set(key, [...(verdicts.get(key) ?? []), verdict]);
      }
    }
    console.log(`  warnings: ${report.warnings.map((w) => w.code).join(', ') || 'none'}`);
    for (const w of report.warnings.filter((x) => ['machine-busy', 'noisy', 'client-bound', 'steal'].includes(x.code))) console.log(`    ${w.code}: ${w.message}`);
  }
  const opposite = { slower: 'faster', faster: 'slower', higher: 'lower', lower: 'higher' };
  console.log('\nverdicts over the runs:');
  let flips = 0;
  for (const [key, list] of verdicts) {
    const flip = list.some((v) => list.includes(opposite[v]));
    if (flip) flips++;
    console.log(`  ${key}: ${list.join(' | ')}${flip ? '  <- OPPOSITE VERDICTS' : ''}`);
  }
  console.log(flips === 0 ? 'no comparison got opposite verdicts' : `${flips} comparison(s) got opposite verdicts`);
} finally {
  await broker.stop();
}
