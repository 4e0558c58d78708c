/** `mqtt-tool bench`: what QoS 1 and 2 cost against QoS 0, measured end to end. */
import { cpus, platform } from 'node:os';
import { writeFileSync } from 'node:fs';
import { describeEndpoint } from '../protocol/endpoint.js';
import { checkFleetFlags, DEFAULT_CONNECT_RATE, localBrokerPid, startBrokerProcess, waitForStart } from './bench-setup.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { resolveConnection } from '../setup/resolve.js';
import { protocolVersionLabel, type Qos } from '../protocol/types.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { connect } from '../connection/session.js';
import { onInterrupt } from '../io/signals.js';
import { createTerminal, type Terminal } from '../io/terminal.js';
import { loadBundle } from '../lazy.js';
import { VERSION } from '../version.js';
import { SCHEMA_VERSION, windowText, type BenchReport, type ConnectionReport } from '../bench/report.js';
import { overheadLines, renderConnections, renderReport, type TableClass } from '../bench/render.js';
import { renderHtml } from '../bench/html.js';
import type { BenchMetrics, PassName } from '../bench/metrics.js';
import { ProgressMeter } from '../bench/progress.js';
import { measureCpu, type BenchHooks, type BenchOptions } from '../bench/runner.js';
import { runConnectionTest } from '../bench/connection-storm.js';
import { runRounds } from '../bench/rounds.js';
import { compareWithQos0, levelsOf, type LevelResult } from '../bench/levels.js';
import { warningsFor } from '../bench/warnings.js';
import { shareOf, WHOLE, type Shard } from '../bench/shard.js';

export interface BenchFlags extends ConnectionFlags {
  qos: readonly Qos[];
  trials: number;
  messages?: number;
  duration?: number;
  size: number;
  publishers: number;
  subscribers: number;
  rate?: number;
  latencyRate?: number;
  inflight?: number;
  topic: string;
  topicPattern?: string;
  subscribeFilter?: string;
  publishInterval?: number;
  shard?: Shard;
  startAt?: number;
  sourceAddress?: string[];
  warmup: number;
  drain?: number;
  json?: boolean;
  out?: string;
  html?: string;
  metricsPort?: string;
  metricsHold: number;
  connections?: number;
  connectRate?: number;
  embedded?: boolean;
  color: boolean;
}

/** --drain's default: how long to wait for acknowledgements and the last deliveries after publishing. */
export const DEFAULT_DRAIN_S = 30;
/** Each level's time in one saturation trial when neither --messages nor --duration is given. */
const DEFAULT_TRIAL_SEC = 1.5;
/** Seconds of traffic each level gets in one equal-rate trial. */
const LATENCY_TRIAL_SEC = 1;

/** Exit 8: the bench finished, and QoS 1/2 messages were not delivered or clients were dropped. */
function undeliveredError(results: readonly LevelResult[], drainSec: number): CheckFailedError | undefined {
  const missing = results.filter((r) => r.qos > 0).reduce((t, r) => t + r.lost, 0);
  const dropped = results.reduce((t, r) => t + r.disconnects, 0);
  if (missing === 0 && dropped === 0) return undefined;
  const parts = [
    ...(missing > 0 ? [`${missing.toLocaleString('en-US')} QoS 1/2 deliveries did not arrive within ${drainSec} s`] : []),
    ...(dropped > 0 ? [`${dropped} client${dropped === 1 ? ' was' : 's were'} disconnected`] : []),
  ];
  return new CheckFailedError(`bench: ${parts.join('; ')}`, { hint: 'See the warnings above; --drain waits longer for a broker that queues.' });
}

/** The terminal's width for stdout, or COLUMNS, or no limit (a pipe or a file). */
export function outputColumns(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const env = Number(process.env['COLUMNS']);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

export async function render(term: Terminal, report: BenchReport): Promise<string> {
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

/** The equal-rate pass runs at this share of the slowest level's saturation throughput, so every level sustains it. */
const LATENCY_RATE_SHARE = 0.5;

/** Half the slowest level's throughput, rounded down to two significant digits (12,345 -> 6,100). */
export function defaultLatencyRate(results: readonly LevelResult[]): number | undefined {
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
  checkFleetFlags(flags);
  if (flags.shard !== undefined && flags.connections === undefined && flags.publishers < flags.shard.count) {
    throw new UsageError(`--publishers ${flags.publishers} cannot be shared by ${flags.shard.count} shards: give each shard at least one`);
  }
  let stopBroker: (() => Promise<void>) | undefined;
  let brokerPid: number | undefined;
  let connFlags = flags;
  if (flags.embedded === true) {
    if (flags.host !== undefined || flags.port !== undefined || flags.url !== undefined || flags.unix !== undefined) throw new UsageError('--embedded runs its own broker: drop -h, -p, -L and --unix');
    const b = await startBrokerProcess();
    stopBroker = b.stop;
    brokerPid = b.pid;
    connFlags = { ...flags, host: '127.0.0.1', port: b.port, embedded: false };
  }
  let metrics: BenchMetrics | undefined;
  let stopMetrics: (() => Promise<void>) | undefined;
  if (flags.metricsPort !== undefined) {
    const m = loadBundle<typeof import('../bench/metrics.js')>('bench-metrics');
    const { host, port } = m.parseMetricsAddress(flags.metricsPort);
    metrics = new m.BenchMetrics(shareOf(flags.subscribers, flags.shard ?? WHOLE).count);
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
          runConnectionTest(spec, flags.connections as number, flags.connectRate ?? DEFAULT_CONNECT_RATE, flags.sourceAddress, brokerPid ?? localBrokerPid(spec), () => halted, (outcome) => (outcome === 'connected' ? metrics?.connected(1) : metrics?.refused(outcome))),
        );
        const report: ConnectionReport = {
          tool: 'mqtt-tool', schemaVersion: SCHEMA_VERSION, version: VERSION, kind: 'connections', startedAt, interrupted: halted,
          parameters: { connections: flags.connections, connectRate: flags.connectRate ?? DEFAULT_CONNECT_RATE, sourceAddresses: flags.sourceAddress },
          environment, connections: value, clientCpu: cpu, warnings: [], peakRssBytes: process.resourceUsage().maxRSS * 1024,
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
      const shard = flags.shard ?? WHOLE;
      const publishers = shareOf(flags.publishers, shard);
      const subscribers = shareOf(flags.subscribers, shard);
      // The first measured phase waits for --start-at; the phases after it follow on.
      let startGate: (() => Promise<void>) | undefined = flags.startAt === undefined ? undefined : () => waitForStart(flags.startAt as number, term.notice, () => halted);
      const opts: BenchOptions = {
        qos: flags.qos,
        messages: flags.messages,
        durationSec: flags.messages === undefined ? (flags.duration ?? DEFAULT_TRIAL_SEC) : undefined,
        size: flags.size,
        publishers: publishers.count,
        subscribers: subscribers.count,
        rate: flags.rate,
        inflight: flags.inflight,
        topicPrefix: flags.topic,
        topicPattern: flags.topicPattern,
        subscribeFilter: flags.subscribeFilter,
        publishIntervalMs: flags.publishInterval,
        connectRate: flags.connectRate,
        numberOffset: publishers.offset,
        sourceAddresses: flags.sourceAddress,
        drainSec: flags.drain ?? DEFAULT_DRAIN_S,
        bucketLatency: metrics !== undefined,
        brokerPid: brokerPid ?? localBrokerPid(spec),
      };
      /** One phase's hooks: the progress line and the live metrics. */
      const phaseHooks =
        (o: BenchOptions, passName: PassName | 'warm-up', label: (qos: Qos) => string, rounds: number) =>
        (qos: Qos, round: number): BenchHooks => {
          const meter = new ProgressMeter(
            {
              label: `${passName === 'warm-up' ? 'warm-up' : rounds > 1 ? `trial ${round}/${rounds}` : ''} ${label(qos)}`.trim(),
              subscribers: o.subscribers,
              messages: o.messages === undefined ? undefined : Math.ceil(o.messages / Math.max(1, o.publishers)) * o.publishers,
              durationSec: o.durationSec,
            },
            Date.now(),
          );
          if (passName !== 'warm-up') metrics?.phaseStarted(passName, qos);
          return {
            onProgress: (p) => {
              if (passName !== 'warm-up') metrics?.progress(passName, p.qos, p.sent, p.received, p.latency);
              if (showProgress) process.stderr.write(`\r\x1b[K${meter.line(Date.now(), p.sent, p.received, process.stderr.columns)}`);
            },
            halted: () => halted,
            onHaltRequest: (fn) => (haltWorkers = fn),
            onConnected: (n) => metrics?.connected(n),
            beforeStart: async () => {
              if (passName === 'warm-up') return;
              const gate = startGate;
              startGate = undefined;
              await gate?.();
            },
          };
        };
      const rounds = async (o: BenchOptions, passName: PassName | 'warm-up', n: number, label: (qos: Qos) => string) => {
        const outcome = await runRounds(spec, o, n, { phase: phaseHooks(o, passName, label, n), halted: () => halted });
        if (showProgress) process.stderr.write('\r\x1b[K');
        if (outcome.error !== undefined) metrics?.refused(outcome.error instanceof Error ? outcome.error.message : String(outcome.error));
        return outcome;
      };
      let latencyPass = null as BenchReport['latencyPass'];
      let phaseError: unknown;
      const { value: results, cpu } = await measureCpu(async () => {
        // Unmeasured: the broker, the JIT and the page cache warm up before the first trial counts.
        if (flags.warmup > 0) {
          const warm = await rounds({ ...opts, messages: undefined, durationSec: flags.warmup }, 'warm-up', 1, (qos) => `QoS ${qos}`);
          phaseError = warm.error;
        }
        if (phaseError !== undefined) return [];
        const saturation = await rounds(opts, 'saturation', flags.trials, (qos) => `QoS ${qos}${opts.rate === undefined ? '' : ` at ${opts.rate.toLocaleString('en-US')} msg/s`}`);
        phaseError = saturation.error;
        const levels = levelsOf(opts.qos, saturation.trials);
        // Latency compared at one rate every level sustains: at saturation it measures the queue, not the protocol.
        const rate = flags.latencyRate ?? defaultLatencyRate(levels);
        const complete = levels.length === opts.qos.length && levels.every((l) => l.trials.length === flags.trials);
        if (opts.rate === undefined && opts.publishIntervalMs === undefined && opts.subscribers > 0 && rate !== undefined && rate > 0 && complete && !halted && phaseError === undefined) {
          const messages = Math.max(1, Math.min(opts.messages ?? Number.MAX_SAFE_INTEGER, Math.round(rate * LATENCY_TRIAL_SEC)));
          const equal = await rounds({ ...opts, rate, messages, durationSec: undefined }, 'equal-rate', flags.trials, (qos) => `QoS ${qos} @ ${rate.toLocaleString('en-US')}/s`);
          phaseError = equal.error;
          const equalLevels = levelsOf(opts.qos, equal.trials);
          if (equalLevels.length > 0) latencyPass = { rate, results: equalLevels };
        }
        return levels;
      });
      const comparisons = compareWithQos0(results, latencyPass?.results ?? null);
      const report: BenchReport = {
        tool: 'mqtt-tool', schemaVersion: SCHEMA_VERSION, version: VERSION, kind: 'throughput', startedAt, interrupted: halted,
        parameters: {
          qos: opts.qos, trials: flags.trials, messages: opts.messages, durationSec: opts.durationSec, size: opts.size, publishers: opts.publishers,
          subscribers: opts.subscribers, rate: opts.rate, inflight: opts.inflight, warmupSec: flags.warmup, drainSec: opts.drainSec,
          receiveMaximum, latencyRate: latencyPass?.rate, publishIntervalMs: opts.publishIntervalMs, topicPattern: opts.topicPattern,
          subscribeFilter: opts.subscribeFilter, connectRate: opts.connectRate, sourceAddresses: opts.sourceAddresses,
          shard: flags.shard === undefined ? undefined : `${shard.index}/${shard.count}`, numberOffset: publishers.offset,
          startAt: flags.startAt === undefined ? undefined : new Date(flags.startAt).toISOString(),
        },
        environment, results, latencyPass,
        comparisons,
        clientCpu: cpu,
        warnings: warningsFor({ saturation: results, equalRate: latencyPass?.results ?? [], clientCpu: cpu, embedded: flags.embedded === true, drainSec: opts.drainSec, trials: flags.trials, comparisons }),
      };
      await emit(flags, term, report, () => render(term, report));
      if (phaseError !== undefined) throw phaseError;
      const failed = undeliveredError([...results, ...(latencyPass?.results ?? [])], opts.drainSec);
      if (failed !== undefined) throw failed;
    } finally {
      dispose();
    }
  } finally {
    // The last scrape sees the totals: --metrics-hold keeps /metrics up (bounded by the flag's value).
    if (stopMetrics !== undefined && flags.metricsHold > 0) await new Promise((r) => setTimeout(r, flags.metricsHold * 1000));
    await stopMetrics?.();
    await stopBroker?.();
  }
}

export function writeOutput(flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`cannot write ${flag} '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The --html page of a throughput report. */
export function writeHtml(file: string, report: BenchReport): void {
  writeOutput('--html', file, renderHtml(report, overheadLines(report)));
}

async function emit(flags: BenchFlags, term: Terminal, report: BenchReport | ConnectionReport, human: () => Promise<string> | string): Promise<void> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (flags.out !== undefined) writeOutput('--out', flags.out, json);
  if (flags.html !== undefined && report.kind === 'throughput') {
    writeHtml(flags.html, report);
    term.notice(`wrote the HTML page: ${flags.html}`);
  }
  process.stdout.write(flags.json === true ? json : await human());
  for (const w of report.warnings) term.warn(w.message);
}
