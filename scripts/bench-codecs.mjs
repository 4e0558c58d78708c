#!/usr/bin/env node
// Decoding and replay costs on one local Mosquitto, medians of RUNS runs:
// - sub: N messages queued for a persistent QoS 1 session, then drained by `sub -F jsonl` into a pipe,
//   plain and with --decode, on the same traffic (CBOR payloads; Sparkplug B NDATA payloads);
// - pub: 100,000 lines at QoS 1 with `pub --jsonl` to 1,000 topics against `pub -l` to one topic.
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerIdle } from './lib/broker-activity.mjs';
import { startBenchBroker } from './lib/mosquitto.mjs';

const BIN = fileURLToPath(new URL('../bin/mqtt-tool.cjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 5);
const N = Number(process.env.MESSAGES ?? 100_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(args, { stdinFile } = {}) {
  return new Promise((resolve, reject) => {
    const fd = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
    const t = process.hrtime.bigint();
    const c = spawn('node', [BIN, ...args], { stdio: [fd, 'pipe', 'inherit'] });
    if (typeof fd === 'number') closeSync(fd);
    c.stdout.resume();
    c.once('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e9) : reject(new Error(`mqtt-tool ${args.join(' ')} exited ${code}`))));
  });
}

const broker = await startBenchBroker('codecs');
const { dir, conn } = broker;
const { cborCodec } = await import(join(DIST, 'codec-cbor.cjs'));
const { sparkplugCodec } = await import(join(DIST, 'codec-sparkplug.cjs'));

/** A --jsonl file of N records with base64 payloads made by `make(i)`. */
function records(name, topicOf, make) {
  const f = join(dir, `${name}.jsonl`);
  const lines = [];
  for (let i = 0; i < N; i++) lines.push(JSON.stringify({ topic: topicOf(i), payload: make(i).toString('base64'), encoding: 'base64', qos: 1 }));
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

const reading = (i) => ({ id: i, rpm: 1450 + (i % 100), temp: 21.5, on: i % 2 === 0, site: 'plant-7' });
const traffic = {
  cbor: { topic: 'bench/cbor', file: records('cbor', () => 'bench/cbor', (i) => cborCodec.encode(reading(i))) },
  sparkplug: {
    topic: 'spBv1.0/bench/NDATA/edge1',
    file: records('sparkplug', () => 'spBv1.0/bench/NDATA/edge1', (i) =>
      sparkplugCodec.encode({ timestamp: 1_790_000_000_000 + i, seq: i % 256, metrics: [{ name: 'Line/Speed', datatype: 'Int32', value: i % 1000 }, { name: 'Line/Temp', datatype: 'Double', value: 21.5 }, { name: 'Running', datatype: 'Boolean', value: true }] }),
    ),
  },
};

/** Seconds `sub` takes to drain N queued messages with `extra` arguments. */
async function drain(kind, extra) {
  const { topic, file } = traffic[kind];
  const id = `bench-codecs-${kind}`;
  await run(['sub', ...conn, '-t', topic, '-q', '1', '-c', '-i', id, '-E']);
  await run(['pub', ...conn, '--jsonl'], { stdinFile: file });
  await brokerIdle(broker.pid);
  const t = await run(['sub', ...conn, '-t', topic, '-q', '1', '-c', '-i', id, '-C', String(N), '-F', 'jsonl', ...extra]);
  return t;
}

try {
  console.log(`node ${process.version}, mosquitto on 127.0.0.1:${broker.port}, ${N.toLocaleString('en-US')} messages, ${RUNS} runs each (median)`);
  for (const [kind, codec] of [['cbor', 'cbor'], ['sparkplug', 'sparkplug']]) {
    const plain = [], decoded = [];
    for (let i = 0; i < RUNS; i++) {
      plain.push(await drain(kind, []));
      decoded.push(await drain(kind, ['--decode', codec]));
    }
    const p = median(plain), d = median(decoded);
    console.log(`sub -F jsonl, ${kind} traffic: plain ${Math.round(N / p)} msg/s (${p.toFixed(2)} s), --decode ${codec} ${Math.round(N / d)} msg/s (${d.toFixed(2)} s), decoded/plain time ${(d / p).toFixed(2)}x`);
  }

  const oneTopic = join(dir, 'lines.txt');
  writeFileSync(oneTopic, Array.from({ length: N }, (_, i) => `{"id":${i},"v":21.5}`).join('\n') + '\n');
  const manyTopics = join(dir, 'many.jsonl');
  writeFileSync(manyTopics, Array.from({ length: N }, (_, i) => JSON.stringify({ topic: `bench/many/${i % 1000}`, payload: `{"id":${i},"v":21.5}`, qos: 1 })).join('\n') + '\n');
  const lines = [], jsonl = [];
  for (let i = 0; i < RUNS; i++) {
    await brokerIdle(broker.pid);
    lines.push(await run(['pub', ...conn, '-t', 'bench/one', '-q', '1', '-l'], { stdinFile: oneTopic }));
    await brokerIdle(broker.pid);
    jsonl.push(await run(['pub', ...conn, '--jsonl'], { stdinFile: manyTopics }));
  }
  const l = median(lines), j = median(jsonl);
  console.log(`pub QoS 1: -l to one topic ${Math.round(N / l)} msg/s (${l.toFixed(2)} s), --jsonl to 1,000 topics ${Math.round(N / j)} msg/s (${j.toFixed(2)} s), --jsonl/-l time ${(j / l).toFixed(2)}x`);
} finally {
  await broker.stop();
}
