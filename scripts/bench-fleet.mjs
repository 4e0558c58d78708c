#!/usr/bin/env node
// bench at fleet scale on one local Mosquitto: (1) connection storms of CONNECTIONS (default
// 15,000) held connections at 1,000, 2,000 and 5,000 per second, from one source address and from
// three (--source-address): connections held, peak RSS per connection, connect time p50/p99, how
// busy the connecting thread and the broker were, and the kernel's listen-queue overflows during
// each (the broker's accept backlog, not the client, when they rise); (2) a device fleet: FLEET (default
// 5,000) publishers at one QoS 1 message a second each, one subscriber on a + filter, for 10 s:
// delivery and latency. Broker and load generator inherit this shell's descriptor limit (ulimit -n).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBenchBroker } from './lib/mosquitto.mjs';

const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 15_000);
const FLEET = Number(process.env.FLEET ?? 5_000);
/** Three loopback sources: three times the ephemeral ports of one address pair. */
const SOURCES = '127.0.0.1,127.0.0.2,127.0.0.3';

/** ListenOverflows of /proc/net/netstat: SYNs the kernel dropped because a listener's accept queue was full. */
function listenOverflows() {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = (lines[0] ?? '').split(/\s+/);
  const values = (lines[1] ?? '').split(/\s+/);
  return Number(values[names.indexOf('ListenOverflows')] ?? 0);
}

function bench(conn, args) {
  const r = spawnSync('node', [BIN, 'bench', ...conn, '--json', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && r.status !== 8) throw new Error(`bench exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const broker = await startBenchBroker('fleet');
const ms = (x) => `${x} ms`;
try {
  console.log(`node ${process.version}; mosquitto on 127.0.0.1:${broker.port}`);
  for (const rate of [1000, 2000, 5000]) {
    for (const from of [undefined, SOURCES]) {
      const before = listenOverflows();
      const r = bench(broker.conn, ['--connections', String(CONNECTIONS), '--connect-rate', String(rate), ...(from === undefined ? [] : ['--source-address', from])]);
      const c = r.connections;
      const overflows = listenOverflows() - before;
      console.log(
        `connections ${CONNECTIONS} at ${rate}/s from ${from ?? '127.0.0.1'} (${c.mode}): held ${c.connected}, failed ${c.attempted - c.connected}, dropped ${Object.values(c.dropped).reduce((a, b) => a + b, 0)}; ` +
          `peak RSS ${Math.round(r.peakRssBytes / 1e6)} MB (${(r.peakRssBytes / Math.max(1, c.connected) / 1e3).toFixed(1)} KB per connection); ` +
          `connect p50 ${ms(c.connectMs.p50)}, p99 ${ms(c.connectMs.p99)}, max ${ms(c.connectMs.max)}; connecting thread ${Math.round(c.clientBusy * 100)}% busy, broker ${c.brokerCores ?? '?'} cores; listen-queue overflows ${overflows}`,
      );
    }
  }
  const f = bench(broker.conn, [
    '--qos', '1', '--trials', '1', '--warmup', '0', '--duration', '10', '--publishers', String(FLEET), '--publish-interval', '1000',
    '--connect-rate', '2000', '--subscribers', '1', '--topic-pattern', 'fleet/%i/telemetry', '--subscribe-filter', 'fleet/+/telemetry',
  ]);
  const l = f.results[0];
  console.log(
    `fleet of ${FLEET} publishers, 1 QoS 1 message/s each, 1 subscriber on fleet/+/telemetry, 10 s: sent ${l.sent}, received ${l.received}, missing ${l.lost}, duplicates ${l.duplicated}, ` +
      `${l.msgsPerSec} msg/s; latency p50 ${ms(l.latencyMs.p50)}, p99 ${ms(l.latencyMs.p99)}, max ${ms(l.latencyMs.max)}; ack p99 ${ms(l.ackLatencyMs?.p99)}; ` +
      `busiest load-generator thread ${Math.round(100 * (l.trials[0].busiestThread ?? 0))}% busy, broker ${l.trials[0].brokerCores ?? '?'} cores`,
  );
} finally {
  await broker.stop();
}
