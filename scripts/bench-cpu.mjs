#!/usr/bin/env node
// CPU seconds the load generator uses to move MESSAGES (default 200,000) messages of 64 B end to end
// through one local Mosquitto, per QoS: `mqtt-tool bench` (one publisher, one subscriber, no
// equal-rate pass) against mosquitto_sub -C plus mosquitto_pub -l (in runs of 50,000 lines:
// mosquitto_pub -l stops at 65,535 at QoS 1/2). CPU is user + system time of the processes and
// all their threads, as bash's `times` reports for its children. Prints both and their ratio.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerIdle } from './lib/broker-activity.mjs';
import { startBenchBroker } from './lib/mosquitto.mjs';

const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const N = Number(process.env.MESSAGES ?? 200_000);
const CHUNK = 50_000;
const broker = await startBenchBroker('cpu');
const { dir, port, conn } = broker;

/** Runs a bash script and returns the CPU seconds (user + system) of the processes it waited for. */
function cpuOf(script) {
  const r = spawnSync('bash', ['-c', `${script}\ntimes`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${script}: exit ${r.status}: ${r.stderr}`);
  // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.567s".
  const children = r.stdout.trim().split('\n').at(-1);
  const [user, system] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { user, system, total: user + system };
}

const lines = join(dir, 'lines');
writeFileSync(lines, `${Array.from({ length: CHUNK }, () => 'x'.repeat(63)).join('\n')}\n`);
const chunks = Math.ceil(N / CHUNK);
const c = conn.join(' ');
const fmt = (x) => `${x.total.toFixed(2)} s (${x.user.toFixed(2)} user, ${x.system.toFixed(2)} system)`;

try {
  console.log(`node ${process.version}; mosquitto on 127.0.0.1:${port}; ${N.toLocaleString('en-US')} messages of 64 B per QoS`);
  for (const qos of [0, 1, 2]) {
    await brokerIdle(broker.pid);
    const topic = `cpu/c/${qos}`;
    const theirs = cpuOf(
      `mosquitto_sub ${c} -t ${topic} -q ${qos} -C ${chunks * CHUNK} -W 300 > /dev/null & sub=$!\nsleep 0.5\n` +
        `for i in $(seq ${chunks}); do mosquitto_pub ${c} -t ${topic} -q ${qos} -l < ${lines} || exit 1; done\nwait $sub || exit 1`,
    );
    await brokerIdle(broker.pid);
    const ours = cpuOf(`node ${BIN} bench ${c} --qos ${qos} --messages ${chunks * CHUNK} --trials 1 --warmup 0 --latency-rate 0 --json > /dev/null || exit 1`);
    console.log(`QoS ${qos}: mqtt-tool bench ${fmt(ours)} | mosquitto_pub + mosquitto_sub ${fmt(theirs)} | ratio ${(ours.total / theirs.total).toFixed(2)}x`);
  }
} finally {
  await broker.stop();
}
