/** `mqtt-tool bench`: what QoS 1 and 2 cost against QoS 0, measured end to end. */
import { fork } from 'node:child_process';
import { cpus, platform } from 'node:os';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { describeEndpoint } from '../protocol/endpoint.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { resolveConnection } from '../setup/resolve.js';
import { protocolVersionLabel, type Qos } from '../protocol/types.js';
import { CheckFailedError, NetworkError, UsageError } from '../errors.js';
import { connect } from '../connection/session.js';
import { onInterrupt } from '../io/signals.js';
import { createTerminal, type Terminal } from '../io/terminal.js';
import { loadBundle } from '../lazy.js';
import { VERSION } from '../version.js';
import { SCHEMA_VERSION, warningsFor, windowText, type BenchReport, type ConnectionReport } from '../bench/report.js';
import { overheadLines, renderReport, type TableClass } from '../bench/render.js';
import { renderHtml } from '../bench/html.js';
import type { BenchMetrics, PassName } from '../bench/metrics.js';
import { ProgressMeter } from '../bench/progress.js';
import { measureCpu, runConnectionTest, runPhase, type BenchHooks, type BenchOptions } from '../bench/runner.js';
import { mergeResults, type QosResult } from '../bench/stats.js';

export interface BenchFlags extends ConnectionFlags {
  qos: readonly Qos[];
  messages?: number;
  duration?: number;
  size: number;
  publishers: number;
  subscribers: number;
  rate?: number;
  latencyRate?: number;
  inflight?: number;
  topic: string;
  warmup: number;
  drain?: number;
  json?: boolean;
  out?: string;
  html?: string;
  metricsPort?: string;
  connections?: number;
  connectRate: number;
  embedded?: boolean;
  color: boolean;
}

/** --drain's default: how long to wait for acknowledgements and the last deliveries after publishing. */
const DEFAULT_DRAIN_S = 30;

/** Exit 8: the bench finished, and QoS 1/2 messages were not delivered or clients were dropped. */
function undeliveredError(results: readonly QosResult[], drainSec: number): CheckFailedError | undefined {
  const missing = results.filter((r) => r.qos > 0).reduce((t, r) => t + r.lost, 0);
  const dropped = results.reduce((t, r) => t + r.disconnects, 0);
  if (missing === 0 && dropped === 0) return undefined;
  const parts = [
    ...(missing > 0 ? [`${missing.toLocaleString('en-US')} QoS 1/2 deliveries did not arrive within ${drainSec} s`] : []),
    ...(dropped > 0 ? [`${dropped} client${dropped === 1 ? ' was' : 's were'} disconnected`] : []),
  ];
  return new CheckFailedError(`bench: ${parts.join('; ')}`, { hint: 'See the warnings above; --drain waits longer for a broker that queues.' });
}

/** Starts the embedded broker in its own process; resolves with its port and a stop function. */
function startBrokerProcess(): Promise<{ port: number; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'broker-child.mjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new NetworkError('the embedded broker did not start within 10 s'));
    }, 10_000);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve({
        port: m.port,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.send('stop');
            setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new NetworkError(`the embedded broker exited with code ${code}`));
    });
  });
}

/** The terminal's width for stdout, or COLUMNS, or no limit (a pipe or a file). */
function outputColumns(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const env = Number(process.env['COLUMNS']);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

async function render(term: Terminal, report: BenchReport): Promise<string> {
  const esm = loadBundle<typeof import('../esm-import.js')>('esm-import');
  const { default: Table } = await esm.importModule<{ default: TableClass }>('cli-table3');
  const e = report.environment;
  return renderReport({
    report,
    header: `mqtt-tool bench ${report.version}: ${e.broker} (${protocolVersionLabel(e.protocolVersion as 3 | 4 | 5)}${e.embedded ? ', embedded broker' : ''})`,
    window: windowText(report.parameters, e.protocolVersion),
    columns: outputColumns(),
    Table,
    style: { bold: (s) => term.out.bold(s) },
  });
}

/** Seconds of traffic each level gets in the equal-rate latency pass. */
const LATENCY_PASS_SEC = 5;
/** The equal-rate pass runs at this share of the slowest level's saturation throughput, so every level sustains it. */
const LATENCY_RATE_SHARE = 0.5;

/** Half the slowest level's throughput, rounded down to two significant digits (12,345 -> 6,100). */
export function defaultLatencyRate(results: readonly QosResult[]): number | undefined {
  const slowest = Math.min(...results.map((r) => r.msgsPerSec));
  if (!Number.isFinite(slowest) || slowest <= 0) return undefined;
  const target = slowest * LATENCY_RATE_SHARE;
  const step = 10 ** Math.max(0, Math.floor(Math.log10(target)) - 1);
  return Math.max(1, Math.floor(target / step) * step);
}

export async function runBench(flags: BenchFlags): Promise<void> {
  const term = createTerminal(flags.color);
  if (flags.messages !== undefined && flags.duration !== undefined) throw new UsageError('give --messages or --duration, not both');
  if (flags.publishers === 0 && flags.connections === undefined) throw new UsageError('--publishers must be at least 1');
  if (flags.html !== undefined && flags.connections !== undefined) throw new UsageError('--html draws throughput and latency: it does not apply to --connections');
  if (flags.size < 16) throw new UsageError('--size must be at least 16 bytes: each payload carries publisher id, sequence and send time');
  let stopBroker: (() => Promise<void>) | undefined;
  let connFlags = flags;
  if (flags.embedded === true) {
    if (flags.host !== undefined || flags.port !== undefined || flags.url !== undefined || flags.unix !== undefined) throw new UsageError('--embedded runs its own broker: drop -h, -p, -L and --unix');
    const b = await startBrokerProcess();
    stopBroker = b.stop;
    connFlags = { ...flags, host: '127.0.0.1', port: b.port, embedded: false };
  }
  let metrics: BenchMetrics | undefined;
  let stopMetrics: (() => Promise<void>) | undefined;
  if (flags.metricsPort !== undefined) {
    const m = loadBundle<typeof import('../bench/metrics.js')>('bench-metrics');
    const { host, port } = m.parseMetricsAddress(flags.metricsPort);
    metrics = new m.BenchMetrics(flags.subscribers);
    try {
      stopMetrics = (await metrics.serve(host, port)).close;
    } catch (err) {
      await stopBroker?.();
      throw err;
    }
    if (flags.json !== true) term.notice(`serving Prometheus metrics on http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`);
  }
  try {
    const resolved = await resolveConnection(connFlags, term, { longRunning: false, embedded: false });
    let spec = resolved.spec;
    let halted = false;
    let haltWorkers: () => void = () => {};
    const dispose = onInterrupt(() => {
      halted = true;
      term.notice('stopping: waiting for in-flight messages, then printing partial results (Ctrl-C again to quit now)');
      haltWorkers();
    });
    const environment = {
      broker: describeEndpoint(spec),
      embedded: flags.embedded === true,
      protocolVersion: spec.protocolVersion,
      node: process.version,
      cpus: cpus().length,
      platform: platform(),
    };
    const startedAt = new Date().toISOString();
    const showProgress = term.stderrIsTty && flags.json !== true;
    try {
      if (flags.connections !== undefined) {
        const { value, cpu } = await measureCpu(() =>
          runConnectionTest(spec, flags.connections as number, flags.connectRate, () => halted, (outcome) => (outcome === 'connected' ? metrics?.connected(1) : metrics?.refused(outcome))),
        );
        const report: ConnectionReport = {
          tool: 'mqtt-tool', schemaVersion: SCHEMA_VERSION, version: VERSION, kind: 'connections', startedAt, interrupted: halted,
          parameters: { connections: flags.connections, connectRate: flags.connectRate },
          environment, connections: value, clientCpu: cpu, warnings: [],
        };
        await emit(flags, term, report, () => renderConnections(report));
        return;
      }
      // One connection first: the MQTT version the broker accepts (a defaulted 5 may fall back to 3.1.1,
      // said once here rather than by every client) and its Receive Maximum, which caps the window.
      const probe = await connect(spec, { notice: term.notice, webSocket: resolved.webSocket, socks: resolved.socks });
      spec = probe.spec;
      environment.protocolVersion = spec.protocolVersion;
      const receiveMaximum = probe.connack.properties?.receiveMaximum;
      await probe.close();
      const opts: BenchOptions = {
        qos: flags.qos,
        messages: flags.duration === undefined ? (flags.messages ?? 100_000) : undefined,
        durationSec: flags.duration,
        size: flags.size,
        publishers: flags.publishers,
        subscribers: flags.subscribers,
        rate: flags.rate,
        inflight: flags.inflight,
        topicPrefix: flags.topic,
        warmupSec: flags.warmup,
        drainSec: flags.drain ?? DEFAULT_DRAIN_S,
        bucketLatency: metrics !== undefined,
      };
      let phaseError: unknown;
      /** One pass: every level in turn with these options; stops at the first failure, keeping the levels done. */
      const pass = async (o: BenchOptions, passName: PassName, label: (qos: Qos) => string): Promise<QosResult[]> => {
        const out: QosResult[] = [];
        for (const qos of o.qos) {
          if (halted || phaseError !== undefined) break;
          const meter = new ProgressMeter(
            { label: label(qos), subscribers: o.subscribers, messages: o.messages === undefined ? undefined : Math.ceil(o.messages / Math.max(1, o.publishers)) * o.publishers, durationSec: o.durationSec },
            Date.now() + o.warmupSec * 1000,
          );
          const hooks: BenchHooks = {
            onProgress: (p) => {
              metrics?.progress(passName, p.qos, p.sent, p.received, p.latency);
              if (showProgress) process.stderr.write(`\r\x1b[K${meter.line(Date.now(), p.sent, p.received, process.stderr.columns)}`);
            },
            halted: () => halted,
            onHaltRequest: (fn) => (haltWorkers = fn),
            onConnected: (n) => metrics?.connected(n),
          };
          try {
            out.push(await runPhase(spec, o, qos, hooks));
          } catch (err) {
            // The finished levels are still worth printing; the error follows the report.
            phaseError = err;
            metrics?.refused(err instanceof Error ? err.message : String(err));
          } finally {
            if (showProgress) process.stderr.write('\r\x1b[K');
          }
        }
        return out;
      };
      let latencyPass = null as BenchReport['latencyPass'];
      const { value: results, cpu } = await measureCpu(async () => {
        const saturation = await pass(opts, 'saturation', (qos) => `QoS ${qos}${opts.rate === undefined ? '' : ` at ${opts.rate.toLocaleString('en-US')} msg/s`}`);
        // Latency compared at one rate every level sustains: at saturation it measures the queue, not the protocol.
        const rate = flags.latencyRate ?? defaultLatencyRate(saturation);
        if (opts.rate === undefined && opts.subscribers > 0 && rate !== undefined && rate > 0 && saturation.length === opts.qos.length && !halted && phaseError === undefined) {
          const messages = Math.max(1, Math.min(opts.messages ?? Number.MAX_SAFE_INTEGER, Math.round(rate * LATENCY_PASS_SEC)));
          const results = await pass({ ...opts, rate, messages, durationSec: undefined }, 'equal-rate', (qos) => `QoS ${qos} @ ${rate.toLocaleString('en-US')}/s`);
          if (results.length > 0) latencyPass = { rate, results };
        }
        return saturation;
      });
      const report: BenchReport = {
        tool: 'mqtt-tool', schemaVersion: SCHEMA_VERSION, version: VERSION, kind: 'throughput', startedAt, interrupted: halted,
        parameters: {
          qos: opts.qos, messages: opts.messages, durationSec: opts.durationSec, size: opts.size, publishers: opts.publishers,
          subscribers: opts.subscribers, rate: opts.rate, inflight: opts.inflight, warmupSec: opts.warmupSec, drainSec: opts.drainSec,
          receiveMaximum, latencyRate: latencyPass?.rate,
        },
        environment, results, latencyPass, clientCpu: cpu,
        warnings: warningsFor([...results, ...(latencyPass?.results ?? [])], cpu, flags.embedded === true, opts.drainSec),
      };
      await emit(flags, term, report, () => render(term, report));
      if (phaseError !== undefined) throw phaseError;
      const failed = undeliveredError([...results, ...(latencyPass?.results ?? [])], opts.drainSec);
      if (failed !== undefined) throw failed;
    } finally {
      dispose();
    }
  } finally {
    await stopMetrics?.();
    await stopBroker?.();
  }
}

function writeOutput(flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`cannot write ${flag} '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The --html page of a throughput report. */
function writeHtml(file: string, report: BenchReport): void {
  writeOutput('--html', file, renderHtml(report, overheadLines(report.results, report.latencyPass)));
}

async function emit(flags: BenchFlags, term: Terminal, report: BenchReport | ConnectionReport, human: () => Promise<string> | string): Promise<void> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (flags.out !== undefined) writeOutput('--out', flags.out, json);
  if (flags.html !== undefined && report.kind === 'throughput') writeHtml(flags.html, report);
  process.stdout.write(flags.json === true ? json : await human());
  for (const w of report.warnings) term.warn(w);
}

function renderConnections(r: ConnectionReport): string {
  const c = r.connections;
  const lines = [
    `mqtt-tool bench --connections: ${r.environment.broker}`,
    `attempted ${c.attempted}, connected ${c.connected}, failed ${c.attempted - c.connected} in ${c.durationSec.toFixed(2)} s`,
    `connect time ms: p50 ${c.connectMs.p50}  p90 ${c.connectMs.p90}  p99 ${c.connectMs.p99}  max ${c.connectMs.max}`,
    ...Object.entries(c.failures).map(([reason, n]) => `  ${n} x ${reason}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** `bench merge a.json b.json ...`: runs made at the same time on several load generators. */
export async function runBenchMerge(files: string[], flags: { json?: boolean; html?: string; color: boolean }): Promise<void> {
  const term = createTerminal(flags.color);
  if (files.length === 0) throw new UsageError('bench merge needs at least one JSON report (from bench --json or --out)');
  const reports = files.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read '${f}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      const r = JSON.parse(text) as BenchReport;
      if (r.tool !== 'mqtt-tool' || r.kind !== 'throughput' || !Array.isArray(r.results)) throw new Error('shape');
      return r;
    } catch {
      throw new UsageError(`'${f}' is not a bench report: expected the JSON written by mqtt-tool bench --json or --out`);
    }
  });
  const mergePass = (passes: ReadonlyArray<readonly QosResult[]>): QosResult[] => {
    const byQos = new Map<number, QosResult[]>();
    for (const pass of passes) for (const q of pass) byQos.set(q.qos, [...(byQos.get(q.qos) ?? []), q]);
    return [...byQos.keys()].sort().map((q) => mergeResults(byQos.get(q) as QosResult[]));
  };
  const results = mergePass(reports.map((r) => r.results));
  // Schema 1 reports have no latency pass; the merged one has it only when every run had it at the same rate.
  const passes = reports.map((r) => r.latencyPass ?? null);
  const rates = new Set(passes.map((l) => l?.rate));
  const latencyPass: BenchReport['latencyPass'] =
    passes.every((l) => l !== null) && rates.size === 1 ? { rate: (passes[0] as { rate: number }).rate * reports.length, results: mergePass(passes.map((l) => (l as { results: QosResult[] }).results)) } : null;
  const first = reports[0] as BenchReport;
  const merged: BenchReport = {
    ...first,
    startedAt: reports.map((r) => r.startedAt).sort()[0] as string,
    interrupted: reports.some((r) => r.interrupted),
    parameters: { ...first.parameters, mergedFrom: files.length, publishers: reports.reduce((t, r) => t + Number(r.parameters['publishers'] ?? 0), 0) },
    schemaVersion: SCHEMA_VERSION,
    results,
    latencyPass,
    clientCpu: null,
    warnings: warningsFor(results, null, first.environment.embedded, Number(first.parameters['drainSec'] ?? DEFAULT_DRAIN_S)),
  };
  if (flags.html !== undefined) writeHtml(flags.html, merged);
  process.stdout.write(flags.json === true ? `${JSON.stringify(merged, null, 2)}\n` : await render(term, merged));
}
