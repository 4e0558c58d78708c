#!/usr/bin/env node
// Side-by-side figures for `pub` and `sub` against mosquitto_pub / mosquitto_sub on
// one local Mosquitto (max_queued_messages 0). Prints medians of several runs and
// the ratio (mqtt-tool rate / mosquitto rate; > 1 means mqtt-tool is faster).
// Every run starts on an idle broker. For `pub -l` two figures are given: until the
// client exited, and until the broker had read every message ("delivered"). They differ
// at QoS 0: mosquitto_pub exits once its messages are in socket buffers, while
// mqtt-tool pub waits for the broker to close the connection after its DISCONNECT,
// so that a refusal (for example DISCONNECT 0x95 Packet too large) is still reported.
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerIdle, nowMs } from './lib/broker-activity.mjs';
import { startBenchBroker } from './lib/mosquitto.mjs';

const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 5);
/** Runs a command with stdin from a file (or none); resolves with its wall time in seconds. */
function run(cmd, args, { stdinFile } = {}) {
  return new Promise((resolve, reject) => {
    const fd = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
    const t = process.hrtime.bigint();
    const c = spawn(cmd, args, { stdio: [fd, 'ignore', 'inherit'] });
    if (typeof fd === 'number') closeSync(fd);
    c.once('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e9) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function linesFile(n) {
  const f = join(dir, `lines-${n}`);
  writeFileSync(f, Array.from({ length: n }, (_, i) => `line-${i + 1}`).join('\n') + '\n');
  return f;
}

const broker = await startBenchBroker('bench');
const { dir, port, conn } = broker;
const results = [];
function report(name, n, ours, theirs) {
  const row = { case: name, messages: n, mqttTool: `${Math.round(n / ours)} msg/s (${ours.toFixed(3)} s)`, mosquitto: `${Math.round(n / theirs)} msg/s (${theirs.toFixed(3)} s)`, ratio: (theirs / ours).toFixed(2) };
  results.push(row);
  console.log(`${row.case.padEnd(50)} mqtt-tool ${row.mqttTool.padEnd(26)} mosquitto ${row.mosquitto.padEnd(26)} ratio ${row.ratio}`);
}

/** Wall time until the client exited, and until the broker had read everything it sent. */
async function timedPub(args, stdinFile) {
  await brokerIdle(broker.pid);
  const t0 = nowMs();
  const exited = await run(...args, { stdinFile });
  const done = Math.max(exited, ((await brokerIdle(broker.pid)) - t0) / 1000);
  return { exited, done };
}

async function pubCase(name, n, qos, mosqArgs = []) {
  const input = linesFile(n);
  const ours = [], theirs = [];
  for (let i = 0; i < RUNS; i++) {
    theirs.push(await timedPub(['mosquitto_pub', [...conn, '-t', `bench/${name}`, '-q', String(qos), '-l', ...mosqArgs]], input));
    ours.push(await timedPub(['node', [BIN, 'pub', ...conn, '-t', `bench/${name}`, '-q', String(qos), '-l']], input));
  }
  report(`${name}, client exit`, n, median(ours.map((r) => r.exited)), median(theirs.map((r) => r.exited)));
  report(`${name}, delivered`, n, median(ours.map((r) => r.done)), median(theirs.map((r) => r.done)));
}

async function subCase(name, n, oursFormat, theirsFormat) {
  const input = linesFile(n);
  const ours = [], theirs = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [list, cmd, args] of [
      [theirs, 'mosquitto_sub', [...conn, '-t', 'bench/sub', '-C', String(n), ...theirsFormat]],
      [ours, 'node', [BIN, 'sub', ...conn, '-t', 'bench/sub', '-C', String(n), ...oursFormat]],
    ]) {
      await brokerIdle(broker.pid);
      const t0 = process.hrtime.bigint();
      const sub = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      sub.stdout.resume();
      const done = new Promise((r) => sub.once('exit', () => r(Number(process.hrtime.bigint() - t0) / 1e9)));
      await new Promise((r) => setTimeout(r, 600));
      const start = Number(process.hrtime.bigint() - t0) / 1e9;
      await run('mosquitto_pub', [...conn, '-t', 'bench/sub', '-l'], { stdinFile: input });
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
  console.log(`${'one-shot pub -m (median wall time)'.padEnd(50)} mqtt-tool ${(p * 1000).toFixed(0)} ms; node -e '' ${(b * 1000).toFixed(0)} ms; ratio ${(p / b).toFixed(2)}x`);
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
  await broker.stop();
}
