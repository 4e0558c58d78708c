/** bench against real brokers: the accounting must be exact. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, collect, runCli, spawnCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';
import { freePort } from '../helpers/ports.js';

interface Trial {
  round: number;
  sent: number;
  received: number;
  msgsPerSec: number;
  latencyMs: { count: number };
  busiestThread: number | null;
  otherCores: number | null;
}

interface Report {
  results: Array<{ qos: number; sent: number; received: number; msgsPerSec: number; msgsPerSecCi95: [number, number] | null; lost: number; duplicated: number; latencyMs: { p50: number; count: number }; ackLatencyMs: { p50: number } | null; histogram: string; trials: Trial[] }>;
  environment: { broker: string; embedded: boolean; protocolVersion: number };
  clientCpu: { utilization: number } | null;
  schemaVersion: number;
  latencyPass: { rate: number; results: Array<{ qos: number; lost: number; duplicated: number }> } | null;
  comparisons: Array<{ qos: number; rounds: number; verdict: string; throughputRatioCi95: [number, number] | null }>;
  warnings: Array<{ code: string; message: string }>;
}

/** A short run: one trial of each level, no warm-up round. */
const ONCE = ['--trials', '1', '--warmup', '0'];

const tmp = tempDir('mqtt-tool-bench-');
const FIXTURES = fileURLToPath(new URL('../fixtures/bench/', import.meta.url));
let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto({ extra: ['max_inflight_messages 0'] });
});
afterAll(() => broker.stop());

describe('bench against Mosquitto', () => {
  test('QoS 0, 1 and 2 with 2 publishers and 2 subscribers in two trials each: exact accounting, JSON with histograms', async () => {
    const out = join(tmp, 'a.json');
    const r = await runCli(
      ['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--messages', '2000', '--trials', '2', '--warmup', '0.2', '--publishers', '2', '--subscribers', '2', '--json', '--out', out],
      { timeoutMs: 90_000 },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report);
    expect(report.environment).toMatchObject({ broker: `mqtt://127.0.0.1:${broker.port}`, embedded: false, protocolVersion: 5 });
    expect(report.results.map((q) => q.qos)).toEqual([0, 1, 2]);
    for (const q of report.results) {
      expect(q.trials.map((t) => [t.round, t.sent, t.received])).toEqual([[1, 2000, 4000], [2, 2000, 4000]]);
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
    expect(report.schemaVersion).toBe(3);
    // Two trials give no interval, and so no verdict; the report says why.
    expect(report.comparisons.map((c) => [c.qos, c.rounds, c.verdict])).toEqual([[1, 2, 'no measurable difference'], [2, 2, 'no measurable difference']]);
    expect(report.warnings.map((w) => w.code)).toContain('few-trials');
    const slowest = Math.min(...report.results.map((q) => q.msgsPerSec));
    expect(report.latencyPass?.rate).toBeGreaterThan(0);
    expect(report.latencyPass?.rate).toBeLessThanOrEqual(slowest / 2);
    expect(report.latencyPass?.results.map((q) => [q.qos, q.lost, q.duplicated])).toEqual([[0, 0, 0], [1, 0, 0], [2, 0, 0]]);
  });

  test('on a terminal: live progress of each trial on stderr, the table fits 80 columns, intervals, the overhead in words', async () => {
    const child = spawn('script', ['-qec', `node ${BIN} bench -h 127.0.0.1 -p ${broker.port} --messages 3000 --latency-rate 5000 --qos 0,1 --warmup 0.2`, '/dev/null'], {
      env: { ...process.env, COLUMNS: '80', LINES: '40', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await collect(child, 90_000);
    expect(r.code).toBe(0);
    const screen = r.stdout.replace(/\r\n/g, '\n');
    expect(screen).toMatch(/trial 3\/6 QoS 1: sent [\d,]+ · received [\d,]+/);
    expect(screen).toMatch(/trial 6\/6 QoS 0 @ 5,000\/s: sent/);
    expect(screen).toMatch(/warm-up QoS 0: sent/);
    const report = screen.slice(screen.lastIndexOf('mqtt-tool bench '));
    for (const line of report.split('\n')) expect(line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').length).toBeLessThanOrEqual(80);
    expect(report).toContain('Latency at 5,000 msg/s for every level');
    expect(report).toContain('6 trials of 3,000 messages per QoS');
    // Every median with its interval: "12,345 (11,000–13,000)".
    expect(report).toMatch(/[\d,]+ \([\d,]+–[\d,]+\)/);
    // The verdict sentence, wherever the terminal's width breaks it.
    expect(report).toMatch(/QoS 1(?: is slower than QoS 0| is faster than QoS 0|: no measurable throughput difference from QoS 0): [\d.]+x/);
    expect(report).toMatch(/95 %\s+interval\s+[\d.]+x–[\d.]+x\s+over\s+6\s+rounds/);
    expect(report).toMatch(/At 5,000 msg\/s, QoS 1 against QoS 0: /);
  });

  test('--json and a pipe get no progress; --latency-rate 0 skips the equal-rate pass', async () => {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--messages', '2000', '--trials', '6', '--latency-rate', '0', '--json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/sent|\r/);
    expect((JSON.parse(r.stdout) as Report).latencyPass).toBeNull();
  });

  test('QoS 1 past the packet-id wrap: 70,000 messages, none lost or doubled', async () => {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--messages', '70000', ...ONCE, '--json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const q = (JSON.parse(r.stdout) as Report).results[0];
    expect(q).toMatchObject({ qos: 1, sent: 70_000, received: 70_000, lost: 0, duplicated: 0 });
  });

  test('a broker that drops messages: the loss is reported', async () => {
    // The ACL lets the user publish but not read: Mosquitto grants the SUBACK and silently drops every delivery.
    const dropping = await startMosquitto({ users: { bench: 'pw' }, acl: 'user bench\ntopic write mqtt-tool/bench/#\n' });
    try {
      const r = await runCli(
        ['bench', '-h', '127.0.0.1', '-p', String(dropping.port), '-u', 'bench', '-P', 'pw', '--qos', '0', '--messages', '500', ...ONCE, '--json'],
        { timeoutMs: 60_000 },
      );
      expect(r.code).toBe(0);
      const q = (JSON.parse(r.stdout) as Report).results[0];
      expect(q).toMatchObject({ sent: 500, received: 0, lost: 500 });
    } finally {
      await dropping.stop();
    }
  });

  test('merge combines reports exactly, the same round of each run as one trial', async () => {
    const files = ['m1.json', 'm2.json'].map((f) => join(tmp, f));
    for (const f of files) {
      const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--messages', '1000', '--trials', '2', '--warmup', '0', '--out', f], { timeoutMs: 60_000 });
      expect(r.code).toBe(0);
    }
    const merged = await runCli(['bench', 'merge', ...files, '--json']);
    expect(merged.code).toBe(0);
    const q = (JSON.parse(merged.stdout) as Report).results[0];
    expect(q).toMatchObject({ qos: 1, sent: 4000, received: 4000, lost: 0 });
    expect(q?.trials.map((t) => [t.round, t.sent, t.latencyMs.count])).toEqual([[1, 2000, 2000], [2, 2000, 2000]]);
    expect(q?.latencyMs.count).toBe(4000);
    const human = await runCli(['bench', 'merge', ...files]);
    expect(human.stdout).toContain('QoS');
  });

  test('Ctrl-C stops publishing, waits for what is in flight and prints partial results', async () => {
    // Interrupt once the bench traffic flows: a client of our own sees its first message.
    const watcher = await testClient(broker.url);
    const traffic = await collectMessages(watcher, 'mqtt-tool/bench/#');
    const child = spawnCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--duration', '30', ...ONCE, '--json']);
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
    const notJson = join(tmp, 'text.json');
    writeFileSync(notJson, 'hello');
    const r2 = await runCli(['bench', 'compare', notJson, notJson]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`'${notJson}' is not a bench report: it is not JSON`);
  });

  test('compare: two saved runs side by side, every figure as a ratio with its interval and a verdict', async () => {
    const files = ['c1.json', 'c2.json'].map((f) => join(tmp, f));
    for (const f of files) {
      const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '0,1', '--messages', '1000', '--trials', '4', '--warmup', '0', '--latency-rate', '4000', '--out', f], { timeoutMs: 60_000 });
      expect(r.code).toBe(0);
    }
    const json = await runCli(['bench', 'compare', ...files, '--json']);
    expect(json.code).toBe(0);
    const c = JSON.parse(json.stdout) as { kind: string; throughput: Array<{ qos: number; ratio: number; ratioCi95: [number, number] | null; verdict: string }>; latencyFrom: { pass: string; rate: number }; latency: Array<{ qos: number; p50DeltaMsCi95: unknown }> };
    expect(c.kind).toBe('comparison');
    expect(c.throughput.map((t) => t.qos)).toEqual([0, 1]);
    for (const t of c.throughput) {
      expect(t.ratioCi95).not.toBeNull();
      expect(t.ratio).toBeGreaterThanOrEqual((t.ratioCi95 as [number, number])[0]);
      expect(['slower', 'faster', 'no measurable difference']).toContain(t.verdict);
    }
    expect(c.latencyFrom).toEqual({ pass: 'equal-rate', rate: 4000 });
    expect(c.latency.map((l) => l.qos)).toEqual([0, 1]);
    const human = await runCli(['bench', 'compare', ...files], { env: { COLUMNS: '100' } });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('mqtt-tool bench compare: B against A');
    expect(human.stdout).toMatch(/QoS 0: (B is (slower|faster): [\d.]+x A's throughput|no measurable throughput difference: B at [\d.]+x A) \(95 % interval [\d.]+x–[\d.]+x\)/);
    expect(human.stdout).toContain('Latency at 4,000 msg/s for every level (ms, B minus A)');
  });

  test('compare reads a schema 2 report (one measurement per level): no interval, no verdict, and it says so', async () => {
    const now = join(tmp, 'now.json');
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--messages', '500', '--trials', '4', '--warmup', '0', '--latency-rate', '2000', '--out', now], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const c = await runCli(['bench', 'compare', join(FIXTURES, 'schema2.json'), now]);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/A: .*schema2\.json \(mqtt:\/\/127\.0\.0\.1:1883, .*, 1 trial per level, schema 2\)/);
    expect(c.stdout).toContain('no measurable throughput difference');
    expect(c.stdout).toContain('too few trials for an interval');
    expect(c.stdout).toContain('note: a run with 1 trial per level gives no interval');
  });

  test('compare refuses runs that measured different things, saying why (exit 2)', async () => {
    const big = join(tmp, 'big.json');
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '0', '--size', '1024', '--messages', '200', ...ONCE, '--latency-rate', '0', '--out', big], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const c = await runCli(['bench', 'compare', join(FIXTURES, 'schema2.json'), big]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('their payloads differ (64 and 1024 bytes)');
  });

  test('--connections opens clients and reports connect times', async () => {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--connections', '50', '--connect-rate', '500']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('attempted 50, connected 50, failed 0');
  });

  test('--connections holds each connection as a socket: keep-alive answered within -k, DISCONNECT at the end (the checking proxy judges every packet)', async () => {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--connections', '4', '--connect-rate', '1', '-k', '2', '--json'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { connections: { connected: number; dropped: Record<string, number>; mode: string }; peakRssBytes: number };
    expect(report.connections).toMatchObject({ connected: 4, dropped: {}, mode: 'held' });
    expect(report.peakRssBytes).toBeGreaterThan(1e6);
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
  const r = await runCli(['bench', '--embedded', '--messages', '1000', '--trials', '2', '--json'], { timeoutMs: 60_000 });
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as Report;
  expect(report.environment).toMatchObject({ embedded: true, protocolVersion: 5 });
  for (const q of report.results) expect(q).toMatchObject({ sent: 2000, received: 2000, lost: 0 });
  // The embedded broker's process is known: its CPU is measured with every trial.
  for (const t of report.results.flatMap((q) => q.trials)) expect((t as Trial & { brokerCores: number | null }).brokerCores).not.toBeNull();
  expect(r.stderr).toContain('figures describe it, not a production broker');
});

test('bench usage errors', async () => {
  expect((await runCli(['bench', '--messages', '10', '--duration', '1'])).code).toBe(2);
  expect((await runCli(['bench', '--size', '8'])).code).toBe(2);
  expect((await runCli(['bench', '--qos', '0,3'])).code).toBe(2);
  expect((await runCli(['bench', '--trials', '0'])).stderr).toMatch(/--trials/);
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
    const child = spawnCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '1', '--duration', '3', ...ONCE, '--latency-rate', '0', '--metrics-port', `127.0.0.1:${port}`, '--json']);
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
