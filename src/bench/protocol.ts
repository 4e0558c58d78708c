/** Messages between the bench coordinator (main thread) and its load-generating worker threads. */
import type { ConnectionSpec } from '../protocol/spec.js';
import type { Qos } from '../protocol/types.js';
import type { BucketCounts } from './stats.js';

export interface PhasePlan {
  readonly spec: ConnectionSpec;
  readonly qos: Qos;
  /** A publisher's topic: `%i` its number (offset by the shard), `%c` its client id. */
  readonly topicPattern: string;
  /** What every subscriber of the phase subscribes to. */
  readonly subscribeFilter: string;
  /** A `$share/GROUP/…` filter: the group gets each message once, so the subscribers' sequences are united. */
  readonly shared: boolean;
  /** Carried in each payload: a late message of another phase on the same topics is stray, not counted. */
  readonly phaseTag: number;
  /** This process's publisher 0 is number `numberOffset` in topics and payloads (a shard's share of a larger run). */
  readonly numberOffset: number;
  readonly publisherIds: readonly number[];
  readonly subscriberIds: readonly number[];
  readonly totalPublishers: number;
  readonly size: number;
  readonly inflight: number;
  /** Messages per publisher, or undefined with durationMs. */
  readonly messagesPerPublisher: number | undefined;
  readonly durationMs: number | undefined;
  /** Messages per second per publisher; undefined = as fast as the window allows. */
  readonly ratePerPublisher: number | undefined;
  /** Each publisher starts at a random moment within its first interval, so that a fleet does not send in step. */
  readonly jitter: boolean;
  /** Milliseconds between this worker's connection attempts (the ramp); 0: all at once. */
  readonly connectIntervalMs: number;
  /** Local addresses the connections are made from, in turn (--source-address). */
  readonly sourceAddresses: readonly string[] | undefined;
  /** How long publishers wait for an acknowledgement, and subscribers for the last messages. */
  readonly drainMs: number;
  /** --metrics-port: count latencies into Prometheus buckets too (else the per-message cost is spared). */
  readonly bucketLatency: boolean;
}

export type ToWorker =
  | { type: 'setup'; plan: PhasePlan }
  | { type: 'start' }
  | { type: 'drain'; sentByPublisher: number[]; quietMs: number }
  | { type: 'halt' }
  | { type: 'stop' };

export interface WorkerResult {
  /** Indexed by publisher id: what this worker's publishers sent. */
  sent: Record<number, number>;
  refused: number;
  /** subscriber id -> publisher id -> unique messages. */
  unique: Record<number, Record<number, number>>;
  /** With a shared subscription: publisher id -> the sequences this worker's subscribers saw (a bitmap), to unite over the group. */
  seen: Record<number, Uint8Array> | null;
  /** subscriber id -> messages it received (duplicates included). */
  receivedBy: Record<number, number>;
  received: number;
  /** Messages of other phases (late deliveries on reused topics) or of publishers outside this process: not counted. */
  stray: number;
  duplicated: number;
  reordered: number;
  histogram: string;
  ackHistogram: string | null;
  firstPublishAtMs: number;
  lastReceiveAtMs: number;
  publishEndAtMs: number;
  disconnects: number;
  /** Why clients were disconnected, each reason once. */
  disconnectReasons: string[];
  /** The lowest QoS a SUBACK granted (the phase's QoS when there are no subscribers). */
  grantedQos: number;
  /** QoS 2 messages the broker answered with PUBACK (taken at QoS 1). */
  downgraded: number;
  /** Messages still unacknowledged when the publishers gave up waiting (no ack for --drain seconds). */
  unacknowledged: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string; hint: string | undefined; exitCode: number }
  | { type: 'published'; sent: Record<number, number> }
  | { type: 'result'; result: WorkerResult }
  /** Counts since the phase started; `latency` in Prometheus buckets. */
  | { type: 'progress'; sent: number; received: number; latency: BucketCounts };
