#!/usr/bin/env node
// Side-by-side figures for `pub` and `sub` against mosquitto_pub / mosquitto_sub on
// one local Mosquitto (max_queued_messages 0). Prints medians of several runs and
// the ratio (mqtt-tool rate / mosquitto rate; > 1 means mqtt-tool is faster).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'mqtt-tool-bench-'));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
async function waitPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => net.connect(port, '127.0.0.1').once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('mosquitto did not start');
}
function run(cmd, args, { stdin, stdout = 'ignore' } = {}) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const c = spawn(cmd, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', stdout, 'inherit'] });
    if (stdin !== undefined) c.stdin.end(stdin);
    c.once('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e9) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = (n) => Buffer.from(Array.from({ length: n }, (_, i) => `line-${i + 1}`).join('\n') + '\n');

const port = await freePort();
writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\n`);
const broker = spawn('mosquitto', ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
await waitPort(port);
const conn = ['-h', '127.0.0.1', '-p', String(port)];
const results = [];
function report(name, n, ours, theirs) {
  const row = { case: name, messages: n, mqttTool: `${Math.round(n / ours)} msg/s (${ours.toFixed(3)} s)`, mosquitto: `${Math.round(n / theirs)} msg/s (${theirs.toFixed(3)} s)`, ratio: (theirs / ours).toFixed(2) };
  results.push(row);
  console.log(`${row.case.padEnd(44)} mqtt-tool ${row.mqttTool.padEnd(26)} mosquitto ${row.mosquitto.padEnd(26)} ratio ${row.ratio}`);
}

async function pubCase(name, n, qos, mosqArgs = []) {
  const input = lines(n);
  const ours = [], theirs = [];
  for (let i = 0; i < RUNS; i++) {
    theirs.push(await run('mosquitto_pub', [...conn, '-t', `bench/${name}`, '-q', String(qos), '-l', ...mosqArgs], { stdin: input }));
    ours.push(await run('node', [BIN, 'pub', ...conn, '-t', `bench/${name}`, '-q', String(qos), '-l'], { stdin: input }));
  }
  report(name, n, median(ours), median(theirs));
}

async function subCase(name, n, oursFormat, theirsFormat) {
  const input = lines(n);
  const ours = [], theirs = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [list, cmd, args] of [
      [theirs, 'mosquitto_sub', [...conn, '-t', 'bench/sub', '-C', String(n), ...theirsFormat]],
      [ours, 'node', [BIN, 'sub', ...conn, '-t', 'bench/sub', '-C', String(n), ...oursFormat]],
    ]) {
      const t0 = process.hrtime.bigint();
      const sub = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      sub.stdout.resume();
      const done = new Promise((r) => sub.once('exit', () => r(Number(process.hrtime.bigint() - t0) / 1e9)));
      await new Promise((r) => setTimeout(r, 600));
      const start = Number(process.hrtime.bigint() - t0) / 1e9;
      await run('mosquitto_pub', [...conn, '-t', 'bench/sub', '-l'], { stdin: input });
      list.push((await done) - start);
    }
  }
  report(name, n, median(ours), median(theirs));
}

async function startup() {
  const N = Number(process.env.STARTUP_RUNS ?? 20);
  const base = [], pub = [];
  for (let i = 0; i < N; i++) {
    base.push(await run('node', ['-e', '']));
    pub.push(await run('node', [BIN, 'pub', ...conn, '-t', 'bench/one', '-m', 'x']));
  }
  const b = median(base), p = median(pub);
  console.log(`${'one-shot pub -m (median wall time)'.padEnd(44)} mqtt-tool ${(p * 1000).toFixed(0)} ms; node -e '' ${(b * 1000).toFixed(0)} ms; ratio ${(p / b).toFixed(2)}x`);
}

try {
  console.log(`node ${process.version}, mosquitto on 127.0.0.1:${port}, ${RUNS} runs each (median)`);
  await pubCase('pub -l QoS 0, 200k lines, no subscriber', 200_000, 0);
  await pubCase('pub -l QoS 1, 60k lines (mosquitto default -M)', 60_000, 1);
  await pubCase('pub -l QoS 1, 60k lines (mosquitto -M 1000)', 60_000, 1, ['-M', '1000']);
  await subCase('sub QoS 0, 200k to a pipe, default format', 200_000, [], []);
  await subCase('sub QoS 0, 200k to a pipe, JSON lines', 200_000, ['-F', 'jsonl'], ['-F', '%j']);
  await startup();
} finally {
  broker.kill('SIGTERM');
  spawnSync('sleep', ['0.2']);
  rmSync(dir, { recursive: true, force: true });
}
