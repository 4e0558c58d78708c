#!/usr/bin/env node
// `mqtt-tool bench` against the C clients on one local Mosquitto (max_queued_messages 0,
// max_inflight_messages 0): mosquitto_pub -l into mosquitto_sub -C, per QoS, for 64-byte and
// 1 KiB payloads, at mosquitto_pub's default in-flight limit and at -M 1000; then publish-only
// with 4 publishers against 4 parallel mosquitto_pub. Prints both rates and their ratio.
// Every measurement starts on an idle broker. Publish-only rates are until the broker had read
// every message: for mosquitto_pub, when the broker went idle after the last one exited (it
// exits once its messages sit in socket buffers); for mqtt-tool bench, when the broker answered
// the PINGREQ each publisher sends after its last message.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerIdle, nowMs } from './lib/broker-activity.mjs';
import { startBenchBroker } from './lib/mosquitto.mjs';

const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const N = Number(process.env.MESSAGES ?? 60_000); // mosquitto_pub -l stops at 65,535 at QoS 1/2
const broker = await startBenchBroker('cbench');
const { dir, port, conn } = broker;

const wait = (child) => new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))));
function linesFile(n, size, name) {
  const line = 'x'.repeat(size - 1);
  const f = join(dir, name);
  writeFileSync(f, `${Array.from({ length: n }, () => line).join('\n')}\n`);
  return f;
}
async function cPipeline(qos, size, extra) {
  const file = linesFile(N, size, `l-${size}`);
  const topic = `c/${qos}/${size}/${Math.random()}`;
  const sub = spawn('mosquitto_sub', [...conn, '-t', topic, '-q', String(qos), '-C', String(N)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((r) => setTimeout(r, 400));
  await brokerIdle(broker.pid);
  const t0 = process.hrtime.bigint();
  const pub = spawn('sh', ['-c', `mosquitto_pub ${conn.join(' ')} -t '${topic}' -q ${qos} -l ${extra} < ${file}`], { stdio: 'inherit' });
  await Promise.all([wait(pub), wait(sub)]);
  return N / (Number(process.hrtime.bigint() - t0) / 1e9);
}
async function tool(args) {
  await brokerIdle(broker.pid);
  // One trial and no warm-up round: one run of each side, like for like.
  const r = spawnSync('node', [BIN, 'bench', ...conn, '--trials', '1', '--warmup', '0', '--json', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout).results[0];
}
const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(9);

try {
  console.log(`node ${process.version}; mosquitto on 127.0.0.1:${port}; ${N} messages per run; rates are end to end (first publish to last receive)`);
  for (const size of [64, 1024]) {
    for (const qos of [0, 1, 2]) {
      const cDefault = await cPipeline(qos, size, '');
      const cWide = await cPipeline(qos, size, '-M 1000');
      const ours = await tool(['--qos', String(qos), '--messages', String(N), '--size', String(size)]);
      console.log(
        `size ${String(size).padStart(4)} QoS ${qos}: mqtt-tool ${fmt(ours.msgsPerSec)} msg/s (lost ${ours.lost}, dup ${ours.duplicated}, p50 ${ours.latencyMs.p50} ms) | ` +
          `C default ${fmt(cDefault)} -> ratio ${(ours.msgsPerSec / cDefault).toFixed(2)} | C -M 1000 ${fmt(cWide)} -> ratio ${(ours.msgsPerSec / cWide).toFixed(2)}`,
      );
    }
  }
  // Publish-only, 4 publishers.
  const per = 50_000;
  const file = linesFile(per, 64, 'p4');
  await brokerIdle(broker.pid);
  const t0 = nowMs();
  await Promise.all([0, 1, 2, 3].map((i) => wait(spawn('sh', ['-c', `mosquitto_pub ${conn.join(' ')} -t p4/${i} -l < ${file}`], { stdio: 'inherit' }))));
  const exitedAt = nowMs();
  const doneAt = Math.max(exitedAt, await brokerIdle(broker.pid));
  const cExit = (4 * per) / ((exitedAt - t0) / 1000);
  const cRate = (4 * per) / ((doneAt - t0) / 1000);
  const ours = await tool(['--qos', '0', '--messages', String(4 * per), '--publishers', '4', '--subscribers', '0']);
  console.log(
    `publish-only, 4 publishers, QoS 0, 64 B, read by the broker: mqtt-tool ${fmt(ours.msgsPerSec)} msg/s | 4 x mosquitto_pub ${fmt(cRate)} msg/s ` +
      `-> ratio ${(ours.msgsPerSec / cRate).toFixed(2)} (mosquitto_pub's own exit came at ${fmt(cExit)} msg/s)`,
  );
} finally {
  await broker.stop();
}
