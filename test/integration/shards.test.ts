/**
 * bench past one process: three shards on loopback against one Mosquitto, started together by
 * --start-at, each serving --metrics-port, scraped by a real Prometheus server; the PromQL totals
 * and `bench merge` of the shards' files must agree exactly. And a device fleet in one process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { collect, runCli, spawnCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startPrometheus, type Prometheus } from '../helpers/prometheus.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/temp.js';

interface Level {
  qos: number;
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  stray: number;
  receivedBySubscriber: number[];
  latencyMs: { count: number; p50: number };
  trials: Array<{ round: number; sent: number }>;
}

const tmp = tempDir('mqtt-tool-shards-');
let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto({ extra: ['max_inflight_messages 0'] });
});
afterAll(() => broker.stop());

test('three shards started together, scraped by Prometheus: the PromQL totals and the merged JSON agree', async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  let prometheus: Prometheus | undefined;
  try {
    prometheus = await startPrometheus(ports.map((p) => `127.0.0.1:${p}`));
    const startAt = Math.ceil(Date.now() / 1000) + 4;
    const files = [0, 1, 2].map((i) => join(tmp, `shard-${i}.json`));
    const shards = [0, 1, 2].map((i) =>
      collect(
        spawnCli([
          'bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--trials', '1', '--warmup', '0', '--duration', '2',
          '--publishers', '30', '--publish-interval', '100', '--subscribers', '3', '--shard', `${i}/3`, '--start-at', String(startAt),
          '--metrics-port', `127.0.0.1:${ports[i]}`, '--metrics-hold', '3', '--out', files[i] as string,
        ]),
        60_000,
      ),
    );
    for (const r of await Promise.all(shards)) expect(r.code, r.stderr).toBe(0);
    const merged = await runCli(['bench', 'merge', ...files, '--json']);
    expect(merged.code).toBe(0);
    const report = JSON.parse(merged.stdout) as { parameters: Record<string, unknown>; results: Level[] };
    const level = report.results[0] as Level;
    expect(report.parameters['publishers']).toBe(30);
    expect(level).toMatchObject({ qos: 1, lost: 0, duplicated: 0 });
    expect(level.sent).toBeGreaterThan(400);
    expect(level.received).toBe(level.sent);
    // Each shard's own numbers: 10 publishers each, numbered 0-9, 10-19, 20-29.
    const shardFiles = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { parameters: { shard: string; numberOffset: number; startAt: string } });
    expect(shardFiles.map((s) => [s.parameters.shard, s.parameters.numberOffset])).toEqual([['0/3', 0], ['1/3', 10], ['2/3', 20]]);
    expect(new Set(shardFiles.map((s) => s.parameters.startAt)).size).toBe(1);
    const total = async (metric: string): Promise<number> => (await (prometheus as Prometheus).query(`sum(max_over_time(${metric}{pass="saturation",qos="1"}[10m]))`))[0]?.value ?? Number.NaN;
    expect(await total('mqtt_tool_bench_messages_sent_total')).toBe(level.sent);
    expect(await total('mqtt_tool_bench_messages_received_total')).toBe(level.received);
    expect(await total('mqtt_tool_bench_latency_seconds_count')).toBe(level.latencyMs.count);
    const targets = await prometheus.query('count(up{job="mqtt-bench"})');
    expect(targets[0]?.value).toBe(3);
  } finally {
    await prometheus?.stop();
  }
}, 90_000);

test('a device fleet: 2,000 publishers at one message a second each, QoS 1, one subscriber on a + filter, nothing missing', async () => {
  const r = await runCli(
    [
      'bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--trials', '1', '--warmup', '0', '--duration', '3',
      '--publishers', '2000', '--publish-interval', '1000', '--connect-rate', '2000', '--subscribers', '1',
      '--topic-pattern', 'fleet/%i/telemetry', '--subscribe-filter', 'fleet/+/telemetry', '--json',
    ],
    { timeoutMs: 90_000 },
  );
  expect(r.code, r.stderr).toBe(0);
  const level = (JSON.parse(r.stdout) as { results: Level[] }).results[0] as Level;
  expect(level.sent).toBeGreaterThanOrEqual(5000);
  expect(level).toMatchObject({ lost: 0, duplicated: 0, stray: 0 });
  expect(level.received).toBe(level.sent);
}, 120_000);

test('a shared group splits the load: each message once to the group, every member gets a share', async () => {
  const r = await runCli(
    [
      'bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--trials', '1', '--warmup', '0', '--duration', '2',
      '--publishers', '50', '--publish-interval', '50', '--subscribers', '3', '--topic-pattern', 'group/%i', '--subscribe-filter', '$share/bench/group/+', '--json',
    ],
    { timeoutMs: 60_000 },
  );
  expect(r.code, r.stderr).toBe(0);
  const level = (JSON.parse(r.stdout) as { results: Level[] }).results[0] as Level;
  expect(level).toMatchObject({ lost: 0, duplicated: 0 });
  expect(level.received).toBe(level.sent);
  expect(level.receivedBySubscriber).toHaveLength(3);
  expect(level.receivedBySubscriber.reduce((a, b) => a + b, 0)).toBe(level.sent);
  for (const n of level.receivedBySubscriber) expect(n).toBeGreaterThan(0);
}, 60_000);

test('fleet usage errors: a filter that matches no topic, --rate with --publish-interval, more shards than publishers, too many descriptors', async () => {
  const at = ['-h', '127.0.0.1', '-p', String(broker.port)];
  const none = await runCli(['bench', ...at, '--topic-pattern', 'a/%i', '--subscribe-filter', 'b/+']);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain("--subscribe-filter 'b/+' matches none of the publishers' topics (--topic-pattern 'a/%i' gives 'a/0')");
  expect((await runCli(['bench', ...at, '--rate', '10', '--publish-interval', '100'])).stderr).toContain('not both');
  expect((await runCli(['bench', ...at, '--publishers', '2', '--shard', '0/3'])).stderr).toContain('cannot be shared by 3 shards');
  const many = await runCli(['bench', ...at, '--publishers', '30000']);
  expect(many.code).toBe(2);
  expect(many.stderr).toMatch(/30,001 connections need as many descriptors, and this process may open [\d,]+ \(ulimit -n\)/);
  expect(many.stderr).toMatch(/hint: Raise the limit \(ulimit -n \d+\), or spread the clients over processes or machines with --shard I\/N/);
  expect((await runCli(['bench', ...at, '--topic-pattern', 'a/+/%i'])).stderr).toContain('invalid --topic-pattern');
});
