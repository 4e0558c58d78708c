/**
 * Runs bench phases (one per QoS) over worker threads so the load generator
 * uses every core, and turns what the workers report into QosResults.
 */
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import type { ConnectionSpec } from '../protocol/spec.js';
import type { Qos, ProtocolVersion } from '../protocol/types.js';
import { defaultWindow } from '../connection/fast-publisher.js';
import { errorForExitCode, InterruptedError } from '../errors.js';
import { latch } from '../latch.js';
import type { FromWorker, PhasePlan, ToWorker, WorkerResult } from './protocol.js';
import { loadBetween, sampleMachine, type MachineLoad } from './machine.js';
import { topicMatchesFilter, unshared } from '../protocol/topics.js';
import { addBuckets, countBits, countLoss, decodeHistogram, emptyBuckets, encodeHistogram, expandTopic, newHistogram, summarize, unionBitmaps, type BucketCounts, type LatencySummary, type QosResult } from './stats.js';

export interface BenchOptions {
  readonly qos: readonly Qos[];
  readonly messages: number | undefined;
  readonly durationSec: number | undefined;
  readonly size: number;
  readonly publishers: number;
  readonly subscribers: number;
  readonly rate: number | undefined;
  /** undefined: 1000, or 200 at QoS 2. */
  readonly inflight: number | undefined;
  readonly topicPrefix: string;
  /** --topic-pattern: each publisher's topic (`%i` its number, `%c` its client id); default PREFIX/RUN/qQOS/p%i. */
  readonly topicPattern: string | undefined;
  /** --subscribe-filter: what the subscribers subscribe to; default PREFIX/RUN/qQOS/#. */
  readonly subscribeFilter: string | undefined;
  /** --publish-interval: each publisher sends one message every this many ms, from a random start. */
  readonly publishIntervalMs: number | undefined;
  /** --connect-rate: connection attempts per second before the measured phase; undefined: all at once. */
  readonly connectRate: number | undefined;
  /** This process's first publisher number (a shard's offset); 0 for a whole run. */
  readonly numberOffset: number;
  /** --source-address: the connections' local addresses, taken in turn. */
  readonly sourceAddresses: readonly string[] | undefined;
  /** How long to wait for acknowledgements and for the last deliveries (--drain). */
  readonly drainSec: number;
  /** --metrics-port: report latencies in Prometheus buckets with the progress. */
  readonly bucketLatency: boolean;
  /** The broker's process when it runs on this machine, for its CPU time. */
  readonly brokerPid: number | undefined;
}

/** One phase measured, with what the machine did while it published. */
export interface PhaseOutcome {
  readonly result: QosResult;
  /** Event-loop utilisation of the busiest load-generating thread while it published, 0..1. */
  readonly busiestThread: number;
  readonly load: MachineLoad;
}

export interface Progress {
  qos: Qos;
  /** Counts since the phase started, over all workers. */
  sent: number;
  received: number;
  latency: BucketCounts;
}

export interface BenchHooks {
  readonly onProgress: (p: Progress) => void;
  /** Set to true by Ctrl-C: stop publishing, report what was measured. */
  readonly halted: () => boolean;
  readonly onHaltRequest: (fn: () => void) => void;
  /** The phase's clients are connected and subscribed. */
  readonly onConnected?: (clients: number) => void;
  /** Awaited after the clients are connected, before the measured publishing starts (--start-at). */
  readonly beforeStart?: () => Promise<void>;
}

export interface ClientCpu {
  userSec: number;
  systemSec: number;
  /** Share of all cores used by the load generator during the phases, 0..1. */
  utilization: number;
}

class PhaseWorker {
  readonly worker: Worker;
  private readonly inbox: FromWorker[] = [];
  private waiter: (() => void) | undefined;
  private exitError: Error | undefined;

  constructor(file: string, private readonly onProgress: (sent: number, received: number, latency: BucketCounts) => void) {
    this.worker = new Worker(file);
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'progress') this.onProgress(m.sent, m.received, m.latency);
      else this.inbox.push(m);
      this.waiter?.();
    });
    this.worker.on('error', (err) => {
      this.exitError = err;
      this.waiter?.();
    });
  }

  post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  async next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type || m.type === 'failed');
      if (i !== -1) {
        const m = this.inbox.splice(i, 1)[0] as FromWorker;
        if (m.type === 'failed') throw errorForExitCode(m.exitCode, m.message, m.hint);
        return m as Extract<FromWorker, { type: T }>;
      }
      if (this.exitError !== undefined) throw this.exitError;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}

/**
 * The default window per QoS, from measurements against Mosquitto (docs/performance.md): QoS 1 gains
 * up to 1000 in flight; at QoS 2 a window past a few hundred only queues at the broker, which cut
 * throughput by half and raised p50 latency 40x.
 */
export function inflightFor(opts: Pick<BenchOptions, 'inflight'>, qos: Qos, version: ProtocolVersion): number {
  return defaultWindow(version, qos, opts.inflight, qos === 2 ? 200 : 1000, undefined);
}

/** Each phase's payloads carry its tag (mod 256): a late message of an earlier phase on reused topics is stray. */
let phaseCounter = 0;

function roundRobin(count: number, buckets: number, offset: number): number[][] {
  const out: number[][] = Array.from({ length: buckets }, () => []);
  for (let i = 0; i < count; i++) (out[(i + offset) % buckets] as number[]).push(i);
  return out;
}

export async function runPhase(spec: ConnectionSpec, opts: BenchOptions, qos: Qos, hooks: BenchHooks): Promise<PhaseOutcome> {
  const workerCount = Math.max(1, Math.min(availableParallelism(), opts.publishers + opts.subscribers));
  const pubs = roundRobin(opts.publishers, workerCount, 0);
  const subs = roundRobin(opts.subscribers, workerCount, 1);
  const runId = randomBytes(4).toString('hex');
  const sentBy = new Array<number>(workerCount).fill(0);
  const receivedBy = new Array<number>(workerCount).fill(0);
  const latencyBy = Array.from({ length: workerCount }, emptyBuckets);
  const workers = Array.from(
    { length: workerCount },
    (_, w) =>
      new PhaseWorker(join(__dirname, 'bench-worker.cjs'), (sent, received, latency) => {
        sentBy[w] = sent;
        receivedBy[w] = received;
        latencyBy[w] = latency;
        const all = emptyBuckets();
        for (const b of latencyBy) addBuckets(all, b);
        hooks.onProgress({ qos, sent: sentBy.reduce((a, b) => a + b, 0), received: receivedBy.reduce((a, b) => a + b, 0), latency: all });
      }),
  );
  const topicBase = `${opts.topicPrefix}/${runId}/q${qos}`;
  const topicPattern = opts.topicPattern ?? `${topicBase}/p%i`;
  const subscribeFilter = opts.subscribeFilter ?? `${topicBase}/#`;
  const phaseTag = phaseCounter++ & 0xff;
  const workerClientId = (w: number): string => `${spec.clientId}-${runId}-w${w}`;
  // Which publishers' topics the subscribers' filter matches: only their messages are expected.
  const matching = new Array<boolean>(opts.publishers).fill(false);
  pubs.forEach((ids, w) => ids.forEach((id) => (matching[id] = topicMatchesFilter(unshared(subscribeFilter), expandTopic(topicPattern, opts.numberOffset + id, `${workerClientId(w)}-p${id}`)))));
  try {
    const perPublisher = opts.messages === undefined ? undefined : Math.ceil(opts.messages / Math.max(1, opts.publishers));
    workers.forEach((w, i) => {
      const plan: PhasePlan = {
        spec: { ...spec, clientId: workerClientId(i) },
        qos,
        topicPattern,
        subscribeFilter,
        shared: subscribeFilter.startsWith('$share/'),
        phaseTag,
        numberOffset: opts.numberOffset,
        publisherIds: pubs[i] as number[],
        subscriberIds: subs[i] as number[],
        totalPublishers: opts.publishers,
        size: opts.size,
        inflight: inflightFor(opts, qos, spec.protocolVersion),
        messagesPerPublisher: perPublisher,
        durationMs: opts.durationSec === undefined ? undefined : opts.durationSec * 1000,
        ratePerPublisher: opts.publishIntervalMs !== undefined ? 1000 / opts.publishIntervalMs : opts.rate === undefined ? undefined : opts.rate / Math.max(1, opts.publishers),
        jitter: opts.publishIntervalMs !== undefined,
        connectIntervalMs: opts.connectRate === undefined ? 0 : (workerCount * 1000) / opts.connectRate,
        sourceAddresses: opts.sourceAddresses,
        drainMs: opts.drainSec * 1000,
        bucketLatency: opts.bucketLatency,
      };
      w.post({ type: 'setup', plan });
    });
    // A Ctrl-C while the clients connect and subscribe ends the run there: nothing was measured yet.
    const haltedEarly = latch();
    hooks.onHaltRequest(() => {
      haltedEarly.fire();
      workers.forEach((w) => w.post({ type: 'halt' }));
    });
    const ready = await Promise.race([Promise.all(workers.map((w) => w.next('ready'))), haltedEarly.promise.then(() => 'halted' as const)]);
    if (ready === 'halted') throw new InterruptedError('interrupted while the bench clients were connecting: nothing was measured');
    hooks.onConnected?.(opts.publishers + opts.subscribers);
    await hooks.beforeStart?.();
    const before = sampleMachine(opts.brokerPid);
    const idleBefore = workers.map((w) => w.worker.performance.eventLoopUtilization());
    workers.forEach((w) => w.post({ type: 'start' }));
    const published = await Promise.all(workers.map((w) => w.next('published')));
    const busiestThread = Math.max(...workers.map((w, i) => w.worker.performance.eventLoopUtilization(idleBefore[i]).utilization));
    const load = loadBetween(before, sampleMachine(opts.brokerPid), cpus().length);
    const sentByPublisher = new Array<number>(opts.publishers).fill(0);
    for (const p of published) for (const [id, n] of Object.entries(p.sent)) sentByPublisher[Number(id)] = n;
    const expectedByPublisher = sentByPublisher.map((n, id) => (matching[id] === true ? n : 0));
    workers.forEach((w) => w.post({ type: 'drain', sentByPublisher: expectedByPublisher, quietMs: 2_000 }));
    const results = (await Promise.all(workers.map((w) => w.next('result')))).map((r) => r.result);
    return { result: combine(qos, opts, sentByPublisher, expectedByPublisher, results), busiestThread: Math.round(busiestThread * 100) / 100, load };
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        w.post({ type: 'stop' });
        const timer = setTimeout(() => void w.worker.terminate(), 5_000);
        await new Promise((r) => w.worker.once('exit', r));
        clearTimeout(timer);
      }),
    );
  }
}


/**
 * Loss and duplicates of a shared group: it gets each message once, so what its members saw is
 * united per publisher; a message two members got is a duplicate.
 */
function sharedAccounting(expectedByPublisher: readonly number[], results: readonly WorkerResult[]): { lost: number; duplicated: number } {
  const union = new Map<number, Uint8Array>();
  let memberUnique = 0;
  for (const r of results) {
    for (const [p, bits] of Object.entries(r.seen ?? {})) union.set(Number(p), unionBitmaps(union.get(Number(p)), bits));
    for (const perPub of Object.values(r.unique)) for (const n of Object.values(perPub)) memberUnique += n;
  }
  let groupUnique = 0;
  let lost = 0;
  expectedByPublisher.forEach((expected, p) => {
    const got = union.has(p) ? countBits(union.get(p) as Uint8Array) : 0;
    groupUnique += got;
    lost += Math.max(0, expected - got);
  });
  return { lost, duplicated: memberUnique - groupUnique };
}

function combine(qos: Qos, opts: BenchOptions, sentByPublisher: number[], expectedByPublisher: number[], results: WorkerResult[]): QosResult {
  const latency = newHistogram();
  let ack: ReturnType<typeof newHistogram> | null = null;
  const uniqueBySubscriber: number[][] = [];
  for (const r of results) {
    latency.add(decodeHistogram(r.histogram));
    if (r.ackHistogram !== null) {
      ack ??= newHistogram();
      ack.add(decodeHistogram(r.ackHistogram));
    }
    for (const perPub of Object.values(r.unique)) {
      const row = new Array<number>(opts.publishers).fill(0);
      for (const [p, n] of Object.entries(perPub)) row[Number(p)] = n;
      uniqueBySubscriber.push(row);
    }
  }
  while (uniqueBySubscriber.length < opts.subscribers) uniqueBySubscriber.push(new Array<number>(opts.publishers).fill(0));
  const sent = sentByPublisher.reduce((a, b) => a + b, 0);
  const received = results.reduce((t, r) => t + r.received, 0);
  const start = Math.min(...results.map((r) => r.firstPublishAtMs).filter((t) => t > 0));
  const end = Math.max(...results.map((r) => Math.max(r.lastReceiveAtMs, opts.subscribers === 0 ? r.publishEndAtMs : 0)));
  const durationSec = Math.max(0.001, (end - start) / 1000);
  const counted = opts.subscribers === 0 ? sent : received;
  const empty: LatencySummary = { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
  const within = results.reduce((t, r) => t + r.duplicated, 0);
  const shared = opts.subscribeFilter?.startsWith('$share/') === true && opts.subscribers > 0;
  const group = shared ? sharedAccounting(expectedByPublisher, results) : { lost: countLoss(expectedByPublisher, uniqueBySubscriber), duplicated: 0 };
  const receivedBySubscriber = new Array<number>(opts.subscribers).fill(0);
  for (const r of results) for (const [s, n] of Object.entries(r.receivedBy)) receivedBySubscriber[Number(s)] = n;
  return {
    qos,
    sent,
    received,
    lost: group.lost,
    duplicated: within + group.duplicated,
    receivedBySubscriber,
    stray: results.reduce((t, r) => t + r.stray, 0),
    reordered: results.reduce((t, r) => t + r.reordered, 0),
    refused: results.reduce((t, r) => t + r.refused, 0),
    durationSec: Math.round(durationSec * 1000) / 1000,
    msgsPerSec: Math.round(counted / durationSec),
    bytesPerSec: Math.round((counted * Math.max(opts.size, 16)) / durationSec),
    latencyMs: latency.totalCount === 0 ? empty : summarize(latency),
    ackLatencyMs: ack === null || ack.totalCount === 0 ? null : summarize(ack),
    histogram: encodeHistogram(latency),
    ackHistogram: ack === null ? null : encodeHistogram(ack),
    disconnects: results.reduce((t, r) => t + r.disconnects, 0),
    disconnectReasons: [...new Set(results.flatMap((r) => r.disconnectReasons))],
    // What the broker really gave: the lowest SUBACK grant, and QoS 1 when it answered QoS 2 with PUBACK.
    grantedQos: Math.min(...results.map((r) => r.grantedQos), results.some((r) => r.downgraded > 0) ? 1 : qos) as Qos,
    unacknowledged: results.reduce((t, r) => t + r.unacknowledged, 0),
  };
}

export function measureCpu<T>(fn: () => Promise<T>): Promise<{ value: T; cpu: ClientCpu }> {
  const before = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return fn().then((value) => {
    const used = process.cpuUsage(before);
    const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
    const userSec = used.user / 1e6;
    const systemSec = used.system / 1e6;
    return {
      value,
      cpu: {
        userSec: Math.round(userSec * 100) / 100,
        systemSec: Math.round(systemSec * 100) / 100,
        utilization: Math.round(((userSec + systemSec) / (wallSec * cpus().length)) * 100) / 100,
      },
    };
  });
}
