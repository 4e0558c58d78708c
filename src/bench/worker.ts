/**
 * A bench load-generating worker thread: it owns some publishers and some
 * subscribers, each a real MQTT connection, so the load spreads over the cores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { IPublishPacket } from 'mqtt';
import { connect, type Session } from '../connection/session.js';
import { loadSocksTransport, loadWebSocketLibrary } from '../connection/transport/load.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { FastPublisher } from '../connection/fast-publisher.js';
import type { AckTap } from '../connection/ack-tap.js';
import { leanReceiver } from './receiver.js';
import { isCliError, NetworkError, TimeoutError } from '../errors.js';
import { refusedError } from '../connection/explain.js';
import type { Qos } from '../protocol/types.js';
import type { FromWorker, PhasePlan, ToWorker, WorkerResult } from './protocol.js';
import { emptyBuckets, encodeHistogram, expandTopic, HEADER_BYTES, newHistogram, publisherHeader, readPublisher, recordBucket, ringSize, SequenceTracker, unionBitmaps, writeHeader } from './stats.js';

const port = parentPort;
if (port === null) throw new Error('bench worker must run in a worker thread');
const send = (m: FromWorker): void => port.postMessage(m);
const now = (): number => performance.timeOrigin + performance.now();

let plan: PhasePlan;
const publishers: Array<{ id: number; session: Session; ackTap: AckTap }> = [];
interface Subscriber {
  id: number;
  session: Session;
  trackers: Map<number, SequenceTracker>;
  received: number;
}
const subscribers: Subscriber[] = [];
const latency = newHistogram();
/** The same latencies in Prometheus buckets, for --metrics-port (sent with each progress report). */
const latencyBuckets = emptyBuckets();
const ackLatency = newHistogram();
let received = 0;
let stray = 0;
let lastReceiveAtMs = 0;
let disconnects = 0;
const disconnectReasons = new Set<string>();
let grantedQos = 2;
let downgraded = 0;
let unacknowledged = 0;
let stopping = false;

function onMessage(sub: Subscriber, packet: IPublishPacket, done: () => void): void {
  record(sub, packet.payload as Buffer);
  done();
}

function record(sub: Subscriber, payload: Buffer): void {
  if (payload.length < HEADER_BYTES) return;
  const { tag, number } = readPublisher(payload.readUInt32BE(0));
  const publisher = number - plan.numberOffset;
  if (tag !== plan.phaseTag || publisher < 0 || publisher >= plan.totalPublishers) {
    stray++;
    return;
  }
  const at = now();
  received++;
  sub.received++;
  lastReceiveAtMs = at;
  let t = sub.trackers.get(publisher);
  if (t === undefined) {
    t = new SequenceTracker();
    sub.trackers.set(publisher, t);
  }
  if (t.record(payload.readUInt32BE(4))) {
    const us = Math.max(1, Math.round((at - payload.readDoubleBE(8)) * 1000));
    latency.recordValue(us);
    if (plan.bucketLatency) recordBucket(latencyBuckets, us);
  }
}

/** Structured cloning turns Buffers into plain Uint8Arrays; MQTT.js and node:tls want Buffers back. */
function reviveSpec(spec: ConnectionSpec): ConnectionSpec {
  const buf = (b: Uint8Array | undefined): Buffer | undefined => (b === undefined ? undefined : Buffer.from(b));
  return {
    ...spec,
    password: buf(spec.password),
    tls: spec.tls === undefined ? undefined : { ...spec.tls, ca: buf(spec.tls.ca), cert: buf(spec.tls.cert), key: buf(spec.tls.key) },
    will: spec.will === undefined ? undefined : { ...spec.will, payload: Buffer.from(spec.will.payload) },
  };
}

async function setup(received: PhasePlan): Promise<void> {
  const p: PhasePlan = { ...received, spec: reviveSpec(received.spec) };
  plan = p;
  const notice = (): void => {};
  const webSocket = loadWebSocketLibrary(p.spec);
  const socks = loadSocksTransport(p.spec);
  // The ramp: attempt k starts k intervals after the first, without waiting for the ones before it.
  const t0 = Date.now();
  let attempt = 0;
  const paced = async <T>(open: (spec: ConnectionSpec) => Promise<T>): Promise<T> => {
    const k = attempt++;
    const due = t0 + k * p.connectIntervalMs;
    if (due > Date.now()) await sleep(due - Date.now());
    const from = p.sourceAddresses;
    return open(from === undefined ? p.spec : { ...p.spec, bindAddress: from[k % from.length] });
  };
  const opened = await Promise.all([
    ...p.subscriberIds.map((id) =>
      paced(async (spec) => {
        const sub: Subscriber = { id, session: undefined as unknown as Session, trackers: new Map(), received: 0 };
        // The lean receive path takes the test traffic; MQTT.js's handler stays for --debug (no tap then).
        const tap: AckTap = { handler: undefined };
        tap.onPacket = leanReceiver(p.spec.protocolVersion, tap, (payload) => record(sub, payload));
        sub.session = await connect(
          { ...spec, clientId: `${p.spec.clientId}-s${id}` },
          { notice, webSocket, socks, ackTap: tap, handleMessage: (_c, packet, done) => onMessage(sub, packet, done) },
        );
        const grants = await subscribeBounded(sub.session, p.subscribeFilter, p.qos, id);
        grantedQos = Math.min(grantedQos, ...grants);
        return { kind: 'sub' as const, sub };
      }),
    ),
    ...p.publisherIds.map((id) =>
      paced(async (spec) => {
        const ackTap: AckTap = { handler: undefined };
        const session = await connect({ ...spec, clientId: `${p.spec.clientId}-p${id}` }, { notice, ackTap, webSocket, socks });
        return { kind: 'pub' as const, id, session, ackTap };
      }),
    ),
  ]);
  if (p.subscriberIds.length === 0) grantedQos = p.qos;
  for (const o of opened) {
    const session = o.kind === 'sub' ? o.sub.session : o.session;
    void session.ended.then((err) => {
      if (err !== undefined && !stopping) {
        disconnects++;
        disconnectReasons.add(err.message);
      }
    });
    if (o.kind === 'sub') subscribers.push(o.sub);
    else publishers.push(o);
  }
}

async function runPublisher(id: number, session: Session, ackTap: AckTap, sent: Record<number, number>): Promise<number> {
  const number = plan.numberOffset + id;
  const topic = expandTopic(plan.topicPattern, number, session.spec.clientId);
  // A ring indexed by sequence: the in-flight window bounds how far back an ack can reach, so a ring
  // just larger than the window holds every send time (a fleet has thousands of publishers).
  const ring = ringSize(plan.inflight);
  const sentAt = new Float64Array(ring);
  const pub = new FastPublisher(
    session.client,
    session.spec.protocolVersion,
    Math.min(plan.inflight, session.connack.properties?.receiveMaximum ?? 65_535),
    {
      tap: ackTap,
      onAck:
        plan.qos === 0
          ? undefined
          : (tag, code) => {
              if (code === undefined && tag >= 0) ackLatency.recordValue(Math.max(1, Math.round((now() - (sentAt[tag & (ring - 1)] as number)) * 1000)));
            },
    },
  );
  const payload = Buffer.alloc(Math.max(plan.size, HEADER_BYTES), 0x61);
  const stall = watchStall(pub);
  /** Waiting for the broker ends when it stopped acknowledging or the connection ended. */
  const gone = Promise.race([stall.stalled, session.ended.then(() => 'ended' as const)]);
  const rate = plan.ratePerPublisher;
  // With --publish-interval the first message falls anywhere in the first interval.
  const start = now() + (plan.jitter && rate !== undefined ? Math.random() * (1000 / rate) : 0);
  const end = plan.durationMs === undefined ? Infinity : now() + plan.durationMs;
  const limit = plan.messagesPerPublisher ?? Infinity;
  // A slow publisher sleeps until its next message (woken at most every second, to see a halt).
  const longestSleep = rate !== undefined && rate < 20 ? 1000 : 50;
  const header = publisherHeader(plan.phaseTag, number);
  let seq = 0;
  while (seq < limit && !stopping) {
    const t = now();
    if (t >= end) break;
    // Fixed rate: the intended send time, so a stalled broker cannot hide behind coordinated omission.
    let sendTime = t;
    if (rate !== undefined) {
      const intended = start + (seq * 1000) / rate;
      if (intended > t) {
        pub.flush();
        await sleep(Math.min(intended - t, longestSleep));
        continue;
      }
      sendTime = intended;
    }
    if (!pub.hasRoom() && (await Promise.race([pub.room().then(() => 'room' as const), gone])) !== 'room') break;
    writeHeader(payload, header, seq, sendTime);
    sentAt[seq & (ring - 1)] = sendTime;
    pub.publish(topic, payload, plan.qos, false, seq);
    seq++;
    sent[id] = seq;
    if ((seq & 1023) === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.race([pub.drained(), gone]);
  stall.stop();
  // QoS 0 has no acknowledgement: the run ends when the broker has read the last message, not when the socket took it.
  if (plan.qos === 0) await Promise.race([pub.brokerHasRead(), session.ended, sleep(plan.drainMs)]);
  downgraded += pub.stats.downgraded;
  unacknowledged += pub.stats.sent - pub.stats.completed - pub.stats.rejected;
  return pub.stats.rejected;
}

/**
 * A subscriber's SUBSCRIBE, answered within the connect timeout; a refusal (>= 0x80) or a connection
 * that ends first is an error in words, not a wait for ever.
 */
async function subscribeBounded(session: Session, filter: string, qos: Qos, id: number): Promise<number[]> {
  const seconds = session.spec.connectTimeoutMs / 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`bench subscriber ${id}: no SUBACK for '${filter}' within ${seconds} s`, { hint: 'The broker took the SUBSCRIBE but never answered it: check its log. --connect-timeout sets the wait.' })), seconds * 1000);
  });
  const ended = session.ended.then((err) => {
    throw err ?? new NetworkError(`bench subscriber ${id}: the connection ended before the SUBACK`);
  });
  // The session ends at the run's end too, long after the race: that rejection is nobody's.
  ended.catch(() => undefined);
  try {
    const grants = await Promise.race([
      session.client.subscribeAsync(filter, { qos }).then(
        (g) => g.map((x) => x.qos),
        (err: Error) => {
          throw new NetworkError(`bench subscriber ${id}: subscribing to '${filter}' failed: ${err.message}`);
        },
      ),
      ended,
      timeout,
    ]);
    const refused = grants.find((g) => g >= 0x80);
    if (refused !== undefined) throw refusedError(`bench subscriber ${id}: subscription to '${filter}'`, 'suback', session.spec.protocolVersion, refused);
    return grants;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One watcher per publisher for the whole run: `stalled` resolves when no acknowledgement came for
 * the drain time although the broker has every byte. (A watcher per wait for room, each with its
 * own timer and drained() waiter, once cost more CPU than the publishing itself.)
 */
function watchStall(pub: FastPublisher): { stalled: Promise<'stalled'>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => {
    timer = setInterval(() => {
      if (pub.stalled(plan.drainMs) !== undefined) {
        clearInterval(timer);
        resolve('stalled');
      }
    }, 250);
  });
  return { stalled, stop: () => clearInterval(timer) };
}

async function drain(sentByPublisher: number[], quietMs: number): Promise<void> {
  const expected = sentByPublisher.reduce((a, b) => a + b, 0) * subscribers.length;
  const deadline = Date.now() + plan.drainMs;
  let last = received;
  let quietSince = Date.now();
  while (received < expected && Date.now() < deadline) {
    await sleep(20);
    if (received !== last) {
      last = received;
      quietSince = Date.now();
    } else if (Date.now() - quietSince > quietMs) break;
  }
}

let refused = 0;
let firstPublishAtMs = 0;
let publishEndAtMs = 0;
const sent: Record<number, number> = {};
/** Progress goes to the coordinator from the start until the result: a worker with only subscribers reports too. */
let progress: NodeJS.Timeout | undefined;
const reportProgress = (): void => send({ type: 'progress', sent: Object.values(sent).reduce((a, b) => a + b, 0), received, latency: latencyBuckets });

port.on('message', (m: ToWorker) => {
  void (async () => {
    try {
      switch (m.type) {
        case 'setup':
          await setup(m.plan);
          send({ type: 'ready' });
          return;
        case 'start': {
          for (const p of publishers) sent[p.id] = 0;
          progress = setInterval(reportProgress, 250);
          firstPublishAtMs = now();
          const counts = await Promise.all(publishers.map((p) => runPublisher(p.id, p.session, p.ackTap, sent)));
          publishEndAtMs = now();
          refused = counts.reduce((a, b) => a + b, 0);
          send({ type: 'published', sent });
          return;
        }
        case 'drain': {
          await drain(m.sentByPublisher, m.quietMs);
          clearInterval(progress);
          reportProgress();
          const unique: WorkerResult['unique'] = {};
          const receivedBy: WorkerResult['receivedBy'] = {};
          const seen: Record<number, Uint8Array> | null = plan.shared ? {} : null;
          let duplicated = 0;
          let reordered = 0;
          for (const s of subscribers) {
            const perPub: Record<number, number> = {};
            for (const [p, t] of s.trackers) {
              perPub[p] = t.unique;
              duplicated += t.duplicated;
              reordered += t.reordered;
              if (seen !== null) seen[p] = unionBitmaps(seen[p], t.bitmap());
            }
            unique[s.id] = perPub;
            receivedBy[s.id] = s.received;
          }
          send({
            type: 'result',
            result: {
              sent,
              refused,
              unique,
              seen,
              receivedBy,
              received,
              stray,
              duplicated,
              reordered,
              histogram: encodeHistogram(latency),
              ackHistogram: plan.qos === 0 || publishers.length === 0 ? null : encodeHistogram(ackLatency),
              firstPublishAtMs,
              lastReceiveAtMs,
              publishEndAtMs,
              disconnects,
              disconnectReasons: [...disconnectReasons],
              grantedQos,
              downgraded,
              unacknowledged,
            },
          });
          return;
        }
        case 'halt':
          stopping = true;
          return;
        case 'stop':
          stopping = true;
          await Promise.all([...publishers, ...subscribers].map((c) => c.session.close()));
          // Ends this worker thread only; nothing of it must linger into the next phase.
          process.exit(0);
      }
    } catch (err) {
      if (isCliError(err)) send({ type: 'failed', message: err.message, hint: err.hint, exitCode: err.exitCode });
      else send({ type: 'failed', message: err instanceof Error ? err.message : String(err), hint: undefined, exitCode: 1 });
    }
  })();
});
