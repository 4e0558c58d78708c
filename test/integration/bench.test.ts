/** bench against real brokers: the accounting must be exact. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, collect, runCli, spawnCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';
import { freePort } from '../helpers/ports.js';

interface Report {
  results: Array<{ qos: number; sent: number; received: number; msgsPerSec: number; lost: number; duplicated: number; latencyMs: { p50: number; count: number }; ackLatencyMs: { p50: number } | null; histogram: string }>;
  environment: { broker: string; embedded: boolean; protocolVersion: number };
  clientCpu: { utilization: number } | null;
  schemaVersion: number;
  latencyPass: { rate: number; results: Array<{ qos: number; lost: number; duplicated: number }> } | null;
}

const tmp = tempDir('mqtt-tool-bench-');
let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto({ extra: ['max_inflight_messages 0'] });
});
afterAll(() => broker.stop());

describe('bench against Mosquitto', () => {
  test('QoS 0, 1 and 2 with 2 publishers and 2 subscribers: exact accounting, JSON with histograms', async () => {
    const out = join(tmp, 'a.json');
    const r = await runCli(
      ['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--messages', '4000', '--publishers', '2', '--subscribers', '2', '--json', '--out', out],
      { timeoutMs: 90_000 },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report);
    expect(report.environment).toMatchObject({ broker: `mqtt://127.0.0.1:${broker.port}`, embedded: false, protocolVersion: 5 });
    expect(report.results.map((q) => q.qos)).toEqual([0, 1, 2]);
    for (const q of report.results) {
      expect(q.sent).toBe(4000);
      expect(q.received).toBe(8000);
      expect(q.lost).toBe(0);
      expect(q.duplicated).toBe(0);
      expect(q.latencyMs.count).toBe(8000);
      expect(q.histogram.length).toBeGreaterThan(10);
      expect(q.ackLatencyMs === null).toBe(q.qos === 0);
    }
    expect(report.clientCpu?.utilization).toBeGreaterThan(0);
    // The equal-rate pass: every level again, at one rate half the slowest level's throughput.
    expect(report.schemaVersion).toBe(2);
    const slowest = Math.min(...report.results.map((q) => q.msgsPerSec));
    expect(report.latencyPass?.rate).toBeGreaterThan(0);
    expect(report.latencyPass?.rate).toBeLessThanOrEqual(slowest / 2);
    expect(report.latencyPass?.results.map((q) => [q.qos, q.lost, q.duplicated])).toEqual([[0, 0, 0], [1, 0, 0], [2, 0, 0]]);
  });

  test('on a terminal: live progress on stderr, the table fits 80 columns, the overhead in words', async () => {
    const child = spawn('script', ['-qec', `node ${BIN} bench -h 127.0.0.1 -p ${broker.port} --messages 20000 --latency-rate 2000 --qos 0,1`, '/dev/null'], {
      env: { ...process.env, COLUMNS: '80', LINES: '40', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await collect(child, 90_000);
    expect(r.code).toBe(0);
    const screen = r.stdout.replace(/\r\n/g, '\n');
    expect(screen).toMatch(/QoS 1: sent [\d,]+ · received [\d,]+ \([\d,]+ not yet\) · [\d,]+ msg\/s · [\d.]+ s/);
    expect(screen).toMatch(/QoS 0 @ 2,000\/s: sent/);
    const report = screen.slice(screen.lastIndexOf('mqtt-tool bench '));
    for (const line of report.split('\n')) expect(line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').length).toBeLessThanOrEqual(80);
    expect(report).toContain('Latency at 2,000 msg/s for every level');
    expect(report).toMatch(/QoS 1 runs at [\d.]+x the throughput of QoS 0 and (adds|takes)/);
  });

  test('--json and a pipe get no progress; --latency-rate 0 skips the equal-rate pass', async () => {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--messages', '2000', '--latency-rate', '0', '--json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as Report).latencyPass).toBeNull();
  });

  test('QoS 1 past the packet-id wrap: 70,000 messages, none lost or doubled', async () => {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--messages', '70000', '--json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const q = (JSON.parse(r.stdout) as Report).results[0];
    expect(q).toMatchObject({ qos: 1, sent: 70_000, received: 70_000, lost: 0, duplicated: 0 });
  });

  test('a broker that drops messages: the loss is reported', async () => {
    // The ACL lets the user publish but not read: Mosquitto grants the SUBACK and silently drops every delivery.
    const dropping = await startMosquitto({ users: { bench: 'pw' }, acl: 'user bench\ntopic write mqtt-tool/bench/#\n' });
    try {
      const r = await runCli(
        ['bench', '-h', '127.0.0.1', '-p', String(dropping.port), '-u', 'bench', '-P', 'pw', '--qos', '0', '--messages', '500', '--json'],
        { timeoutMs: 60_000 },
      );
      expect(r.code).toBe(0);
      const q = (JSON.parse(r.stdout) as Report).results[0];
      expect(q).toMatchObject({ sent: 500, received: 0, lost: 500 });
    } finally {
      await dropping.stop();
    }
  });

  test('merge combines reports exactly', async () => {
    const files = ['m1.json', 'm2.json'].map((f) => join(tmp, f));
    for (const f of files) {
      const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--messages', '1000', '--out', f], { timeoutMs: 60_000 });
      expect(r.code).toBe(0);
    }
    const merged = await runCli(['bench', 'merge', ...files, '--json']);
    expect(merged.code).toBe(0);
    const q = (JSON.parse(merged.stdout) as Report).results[0];
    expect(q).toMatchObject({ qos: 1, sent: 2000, received: 2000, lost: 0 });
    expect(q?.latencyMs.count).toBe(2000);
    const human = await runCli(['bench', 'merge', ...files]);
    expect(human.stdout).toContain('QoS');
  });

  test('Ctrl-C stops publishing, waits for what is in flight and prints partial results', async () => {
    // Interrupt once the bench traffic flows: a client of our own sees its first message.
    const watcher = await testClient(broker.url);
    const traffic = await collectMessages(watcher, 'mqtt-tool/bench/#');
    const child = spawnCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--duration', '30', '--json']);
    const done = collect(child, 60_000);
    await traffic.waitFor(1, 30_000);
    await watcher.endAsync();
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report & { interrupted: boolean };
    expect(report.interrupted).toBe(true);
    const q = report.results[0];
    expect(q?.sent).toBeGreaterThan(0);
    expect(q).toMatchObject({ lost: 0, duplicated: 0 });
    expect(q?.received).toBe(q?.sent);
  });

  test('merge of a file that is not a report is a usage error', async () => {
    const r = await runCli(['bench', 'merge', join(tmp, 'nope.json')]);
    expect(r.code).toBe(2);
  });

  test('--connections opens clients and reports connect times', async () => {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--connections', '50', '--connect-rate', '500']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('attempted 50, connected 50, failed 0');
  });

  test('--connections counts refusals by reason instead of crashing', async () => {
    const locked = await startMosquitto({ users: { a: 'b' } });
    try {
      const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(locked.port), '--connections', '5', '--connect-rate', '100']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('connected 0, failed 5');
      expect(r.stdout).toContain('5 x connection refused: Not authorized (0x87)');
    } finally {
      await locked.stop();
    }
  });
});

test('bench --embedded runs the built-in broker in its own process and says so', async () => {
  const r = await runCli(['bench', '--embedded', '--messages', '2000', '--json'], { timeoutMs: 60_000 });
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as Report;
  expect(report.environment).toMatchObject({ embedded: true, protocolVersion: 5 });
  for (const q of report.results) expect(q).toMatchObject({ sent: 2000, received: 2000, lost: 0 });
  expect(r.stderr).toContain('figures describe it, not a production broker');
});

test('bench usage errors', async () => {
  expect((await runCli(['bench', '--messages', '10', '--duration', '1'])).code).toBe(2);
  expect((await runCli(['bench', '--size', '8'])).code).toBe(2);
  expect((await runCli(['bench', '--qos', '0,3'])).code).toBe(2);
});

describe('bench --metrics-port', () => {
  /** "name{a="1",b="2"} 3" lines of a Prometheus text exposition. */
  const samples = (text: string): Array<{ name: string; labels: Record<string, string>; value: number }> =>
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(l);
        if (m === null) throw new Error(`not an exposition line: ${l}`);
        const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1] as string, x[2] as string]));
        return { name: m[1] as string, labels, value: Number(m[3]) };
      });

  test('serves live Prometheus metrics during the run: counts, undelivered, connects and a latency histogram', async () => {
    const port = await freePort();
    const child = spawnCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--duration', '3', '--latency-rate', '0', '--metrics-port', `127.0.0.1:${port}`, '--json']);
    const done = collect(child, 60_000);
    let seen: ReturnType<typeof samples> = [];
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
      seen = text === '' ? [] : samples(text);
      // Publishers and subscribers report from different workers: wait until both counts are in.
      const counted = (name: string): number => seen.find((s) => s.name === name && s.labels['pass'] === 'saturation' && s.labels['qos'] === '1')?.value ?? 0;
      if (counted('mqtt_tool_bench_messages_received_total') > 0 && counted('mqtt_tool_bench_messages_sent_total') > 0) break;
    }
    const r = await done;
    expect(r.code).toBe(0);
    const one = (name: string, labels: Record<string, string> = { pass: 'saturation', qos: '1' }) => seen.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(one('mqtt_tool_bench_messages_sent_total')?.value).toBeGreaterThan(0);
    expect(one('mqtt_tool_bench_messages_received_total')?.value).toBeGreaterThan(0);
    expect(one('mqtt_tool_bench_messages_undelivered')).toBeDefined();
    expect(one('mqtt_tool_bench_connects_total', { result: 'connected' })?.value).toBe(2);
    const buckets = seen.filter((s) => s.name === 'mqtt_tool_bench_latency_seconds_bucket' && s.labels['qos'] === '1');
    expect(buckets.map((b) => b.labels['le']).at(-1)).toBe('+Inf');
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)?.value).toBe(one('mqtt_tool_bench_latency_seconds_count')?.value);
    expect(one('mqtt_tool_bench_latency_seconds_sum')?.value).toBeGreaterThan(0);
    // The server ends with the run.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  test('a bad address or a port in use is a usage error', async () => {
    expect((await runCli(['bench', '--metrics-port', 'nope'])).stderr).toContain("invalid --metrics-port 'nope'");
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--metrics-port', `127.0.0.1:${broker.port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--metrics-port 127.0.0.1:${broker.port}: the port is in use`);
  });
});
