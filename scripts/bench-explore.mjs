#!/usr/bin/env node
// explore under a big broker: TOPICS (default 100,000) retained topics on a local Mosquitto, then
// RATE (default 10,000) msg/s of updates to random ones for SECONDS (default 20), with explore
// running in a 120x40 pseudo-terminal read by xterm.js's headless emulator. Prints: how long the
// retained flood took to show, key press to redraw latency during the load (p50, p99, max of
// PRESSES presses), messages explore counted against messages sent, explore's CPU (user+system,
// in cores) and its peak RSS (VmHWM).
import { spawn as spawnProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import mqtt from 'mqtt';
import { startBenchBroker } from './lib/mosquitto.mjs';

const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const TOPICS = Number(process.env.TOPICS ?? 100_000);
const RATE = Number(process.env.RATE ?? 10_000);
const SECONDS = Number(process.env.SECONDS ?? 20);
const PRESSES = Number(process.env.PRESSES ?? 100);
const topicOf = (i) => `fleet/site${Math.floor(i / 1000)}/dev${i % 1000}/state`;
const payloadOf = (i, n) => JSON.stringify({ temp: 20 + (n % 10), seq: n, id: i });

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
const peakRssMb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const broker = await startBenchBroker('explore');
const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
try {
  console.log(`node ${process.version}; mosquitto on 127.0.0.1:${broker.port}; ${TOPICS.toLocaleString('en-US')} retained topics, then ${RATE.toLocaleString('en-US')} msg/s for ${SECONDS} s`);
  for (let i = 0; i < TOPICS; i += 1) {
    client.publish(topicOf(i), payloadOf(i, 0), { qos: 0, retain: true });
    if (i % 5000 === 4999) await new Promise((r) => setImmediate(r));
  }
  await client.publishAsync('fleet/done', 'x', { qos: 1, retain: true });

  const term = new xterm.Terminal({ cols: 120, rows: 40, allowProposedApi: true });
  let changed = () => {};
  const p = pty.spawn(process.execPath, [BIN, 'explore', '-h', '127.0.0.1', '-p', String(broker.port)], { cols: 120, rows: 40, env: { ...process.env, NO_COLOR: '1' } });
  p.onData((d) => term.write(d, () => changed()));
  const screen = () => Array.from({ length: 40 }, (_, i) => term.buffer.active.getLine(i)?.translateToString(true) ?? '').join('\n');
  const until = (test, ms) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out; the screen shows:\n${screen()}`)), ms);
      changed = () => {
        if (test(screen())) {
          clearTimeout(t);
          changed = () => {};
          resolve();
        }
      };
      changed();
    });
  const t0 = performance.now();
  const wanted = (TOPICS + 1).toLocaleString('en-US');
  await until((s) => s.includes(`${wanted} topics`), 120_000);
  const floodMs = performance.now() - t0;
  console.log(`retained flood shown: ${wanted} topics in ${(floodMs / 1000).toFixed(1)} s; peak RSS so far ${peakRssMb(p.pid).toFixed(0)} MB`);
  // Open the first site so that the tree is busy on screen.
  p.write('\x1b[B\x1b[C');
  await until((s) => s.includes('▾ fleet'), 5_000);

  let sent = 0;
  const load = setInterval(() => {
    for (let k = 0; k < RATE / 100; k += 1) {
      const i = Math.floor(Math.random() * TOPICS);
      client.publish(topicOf(i), payloadOf(i, ++sent), { qos: 0 });
    }
  }, 10);
  const cpu0 = cpuSeconds(p.pid);
  const w0 = performance.now();
  const latencies = [];
  const endAt = w0 + SECONDS * 1000;
  let down = true;
  while (performance.now() < endAt && latencies.length < PRESSES) {
    const at = performance.now();
    // The detail pane's first line names the selected topic: the redraw that answers the key.
    const target = down ? /│fleet\/done\s*$/ : /│fleet\s*$/;
    const moved = until((s) => target.test(s.split('\n')[1] ?? ''), 2_000);
    p.write(down ? '\x1b[B' : '\x1b[A');
    down = !down;
    await moved;
    latencies.push(performance.now() - at);
    await new Promise((r) => setTimeout(r, (SECONDS * 1000) / PRESSES / 2));
  }
  while (performance.now() < endAt) await new Promise((r) => setTimeout(r, 50));
  clearInterval(load);
  const cores = (cpuSeconds(p.pid) - cpu0) / ((performance.now() - w0) / 1000);
  await new Promise((r) => setTimeout(r, 2000));
  const status = screen().split('\n')[0];
  p.write('\x1b[H');
  await until((s) => /│fleet\s*$/.test(s.split('\n')[1] ?? ''), 5_000);
  const counted = Number((/([\d,]+) messages/.exec(screen().split('\n')[2] ?? '')?.[1] ?? '0').replace(/,/g, ''));
  console.log(`load: ${sent.toLocaleString('en-US')} messages sent in ${SECONDS} s (${Math.round(sent / SECONDS).toLocaleString('en-US')} msg/s)`);
  console.log(`key press to redraw (${latencies.length} presses): p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
  console.log(`explore CPU during the load: ${cores.toFixed(2)} cores; peak RSS ${peakRssMb(p.pid).toFixed(0)} MB`);
  console.log(`messages explore counted: ${counted.toLocaleString('en-US')} of ${(TOPICS + 1 + sent).toLocaleString('en-US')} published (retained flood included)`);
  console.log(`status line after the load: ${status.trim()}`);
  p.write('q');
  await new Promise((r) => p.onExit(r));
} finally {
  await client.endAsync();
  broker.stop();
}
