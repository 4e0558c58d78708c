/**
 * `bench --metrics-port`: live Prometheus metrics of a running bench, so load generators started
 * on several machines are summed by one Prometheus (as emqtt-bench users do). prom-client holds the
 * counters and formats the exposition; the latency histogram comes from the workers' bucket counts
 * (they see each message, the main thread only their totals), so it is a metric object of our own
 * that prom-client's registry prints like its own histograms.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { UsageError } from '../errors.js';
import { addBuckets, emptyBuckets, LATENCY_BUCKETS_SEC, type BucketCounts } from './stats.js';

export type PassName = 'saturation' | 'equal-rate';
type SeriesKey = `${PassName}/${number}`;

export class BenchMetrics {
  readonly registry = new Registry();
  private readonly sent = new Counter({ name: 'mqtt_tool_bench_messages_sent_total', help: 'Messages published', labelNames: ['pass', 'qos'], registers: [this.registry] });
  private readonly received = new Counter({ name: 'mqtt_tool_bench_messages_received_total', help: 'Messages delivered to subscribers (duplicates included)', labelNames: ['pass', 'qos'], registers: [this.registry] });
  private readonly undelivered = new Gauge({ name: 'mqtt_tool_bench_messages_undelivered', help: 'Deliveries expected (sent x subscribers) and not yet received', labelNames: ['pass', 'qos'], registers: [this.registry] });
  private readonly connects = new Counter({ name: 'mqtt_tool_bench_connects_total', help: 'Client connections by result: connected, or the refusal or failure', labelNames: ['result'], registers: [this.registry] });
  /** Per series (a pass and QoS): the latest cumulative counts of its running phase. */
  private readonly latest = new Map<SeriesKey, { sent: number; received: number; latency: BucketCounts }>();
  /** Per series: the latencies of its finished phases (a series runs once per trial). */
  private readonly finished = new Map<SeriesKey, BucketCounts>();

  constructor(private readonly subscribers: number) {
    const latency = this.latencyMetric();
    this.registry.registerMetric(latency as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** A new phase of a series begins: its counts start again from zero, the counters keep counting. */
  phaseStarted(pass: PassName, qos: number): void {
    const key: SeriesKey = `${pass}/${qos}`;
    const before = this.latest.get(key);
    if (before === undefined) return;
    const done = this.finished.get(key) ?? emptyBuckets();
    addBuckets(done, before.latency);
    this.finished.set(key, done);
    this.latest.delete(key);
  }

  /** A phase's cumulative counts (from the progress reports). */
  progress(pass: PassName, qos: number, sent: number, received: number, latency: BucketCounts): void {
    const key: SeriesKey = `${pass}/${qos}`;
    const before = this.latest.get(key) ?? { sent: 0, received: 0, latency: emptyBuckets() };
    const labels = { pass, qos: String(qos) };
    if (sent > before.sent) this.sent.inc(labels, sent - before.sent);
    if (received > before.received) this.received.inc(labels, received - before.received);
    this.undelivered.set(labels, Math.max(0, sent * this.subscribers - received));
    this.latest.set(key, { sent, received, latency: { counts: [...latency.counts], sumSec: latency.sumSec, count: latency.count } });
  }

  connected(n: number): void {
    this.connects.inc({ result: 'connected' }, n);
  }

  refused(reason: string): void {
    this.connects.inc({ result: reason });
  }

  /** mqtt_tool_bench_latency_seconds as a Prometheus histogram per pass and QoS. */
  private latencyMetric() {
    const name = 'mqtt_tool_bench_latency_seconds';
    const help = 'End-to-end latency, publisher send (intended send time at a fixed rate) to subscriber receive';
    const get = () => {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      const keys = [...new Set([...this.latest.keys(), ...this.finished.keys()])].sort();
      for (const key of keys) {
        const total = emptyBuckets();
        addBuckets(total, this.finished.get(key) ?? emptyBuckets());
        addBuckets(total, this.latest.get(key)?.latency ?? emptyBuckets());
        const [pass, qos] = key.split('/') as [string, string];
        let cumulative = 0;
        LATENCY_BUCKETS_SEC.forEach((le, i) => {
          cumulative += total.counts[i] ?? 0;
          values.push({ metricName: `${name}_bucket`, labels: { le, pass, qos }, value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', pass, qos }, value: total.count });
        values.push({ metricName: `${name}_sum`, labels: { pass, qos }, value: total.sumSec });
        values.push({ metricName: `${name}_count`, labels: { pass, qos }, value: total.count });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    };
    return { name, help, type: 'histogram', get, reset: () => {} };
  }

  /** Serves /metrics on [HOST:]PORT until close(); a port in use is exit 2 naming it. */
  serve(host: string, port: number): Promise<{ close: () => Promise<void> }> {
    const server: Server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('mqtt-tool bench serves /metrics\n');
        return;
      }
      void this.registry.metrics().then((text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text));
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new UsageError(`--metrics-port ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : (err.code ?? err.message)}`, { hint: 'Choose another port.' })),
      );
      server.listen(port, host, () =>
        resolve({
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        }),
      );
    });
  }
}

/** "9464" (every interface, as exporters listen) or "127.0.0.1:9464" / "[::1]:9464". */
export function parseMetricsAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d{1,5})$/.exec(value.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port < 1 || port > 65_535) throw new UsageError(`invalid --metrics-port '${value}': expected PORT or HOST:PORT (1-65535)`);
  return { host: m[1] ?? m[2] ?? '0.0.0.0', port };
}
