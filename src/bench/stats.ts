/**
 * Pure statistics for bench: per-publisher sequence accounting (loss,
 * duplicates, reordering), HDR histogram summaries, and the merge of results
 * from several runs or load-generating machines.
 */
import * as hdr from 'hdr-histogram-js';
import type { Qos } from '../protocol/types.js';

/** Payload header: phase tag (u8) and publisher number (u24), sequence (u32), send time in ms since the epoch (f64). */
export const HEADER_BYTES = 16;
/** Publisher numbers fit 24 bits: a run (all its shards) has at most this many publishers. */
export const MAX_PUBLISHERS = 0xff_ffff;

export const publisherHeader = (tag: number, number: number): number => (((tag & 0xff) << 24) | (number & MAX_PUBLISHERS)) >>> 0;
export const readPublisher = (header: number): { tag: number; number: number } => ({ tag: header >>> 24, number: header & MAX_PUBLISHERS });

/** A publisher's topic from --topic-pattern: `%i` its number, `%c` its client id, `%%` a percent sign. */
export function expandTopic(pattern: string, number: number, clientId: string): string {
  return pattern.replace(/%([ic%])/g, (_, c: string) => (c === 'i' ? String(number) : c === 'c' ? clientId : '%'));
}

/** The smallest power of two above an in-flight window: a ring of send times that an acknowledgement can always reach. */
export const ringSize = (window: number): number => 2 ** Math.ceil(Math.log2(Math.max(2, window + 1)));

/** Bitwise OR of two sequence bitmaps, the longer one's length. */
export function unionBitmaps(a: Uint8Array | undefined, b: Uint8Array): Uint8Array {
  if (a === undefined) return b.slice();
  const out = new Uint8Array(Math.max(a.length, b.length));
  out.set(a.length >= b.length ? a : b);
  const shorter = a.length >= b.length ? b : a;
  for (let i = 0; i < shorter.length; i++) out[i] = (out[i] as number) | (shorter[i] as number);
  return out;
}

/** Sequences set in a bitmap. */
export function countBits(bitmap: Uint8Array): number {
  let n = 0;
  for (const byte of bitmap) {
    let b = byte;
    while (b !== 0) {
      b &= b - 1;
      n++;
    }
  }
  return n;
}

export function writeHeader(buf: Buffer, publisher: number, seq: number, sentAtMs: number): void {
  buf.writeUInt32BE(publisher >>> 0, 0);
  buf.writeUInt32BE(seq >>> 0, 4);
  buf.writeDoubleBE(sentAtMs, 8);
}

/** What one subscriber saw of one publisher's sequence. */
export class SequenceTracker {
  private seen = new Uint8Array(1024);
  private maxSeen = -1;
  unique = 0;
  duplicated = 0;
  reordered = 0;

  /** The sequences seen, one bit each (sequence n is bit n % 8 of byte n / 8). */
  bitmap(): Uint8Array {
    return this.seen.subarray(0, this.maxSeen < 0 ? 0 : (this.maxSeen >>> 3) + 1);
  }

  /** Returns false for a duplicate. */
  record(seq: number): boolean {
    const byte = seq >>> 3;
    if (byte >= this.seen.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    const bit = 1 << (seq & 7);
    if (((this.seen[byte] as number) & bit) !== 0) {
      this.duplicated++;
      return false;
    }
    this.seen[byte] = (this.seen[byte] as number) | bit;
    this.unique++;
    if (seq < this.maxSeen) this.reordered++;
    else this.maxSeen = seq;
    return true;
  }
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  count: number;
}

/** Histograms record microseconds; summaries are in milliseconds. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

export function summarize(h: hdr.Histogram): LatencySummary {
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: Math.round(h.mean) / 1000,
    count: h.totalCount,
  };
}

export const encodeHistogram = (h: hdr.Histogram): string => hdr.encodeIntoCompressedBase64(h);
export const decodeHistogram = (s: string): hdr.Histogram => hdr.decodeFromCompressedBase64(s);

export interface QosResult {
  qos: Qos;
  sent: number;
  /** Messages delivered to subscribers, duplicates included. */
  received: number;
  /** Per subscriber (by number): what it received, duplicates included. */
  receivedBySubscriber: number[];
  /** Messages of another phase or another shard's publishers that reached the subscribers: not counted anywhere else. */
  stray: number;
  /** Expected deliveries (sent x subscribers) that had not arrived when the drain time (--drain) ended. */
  lost: number;
  duplicated: number;
  reordered: number;
  /** Publishes the broker refused (PUBACK/PUBREC >= 0x80). */
  refused: number;
  durationSec: number;
  /** Delivered messages per second (end to end). */
  msgsPerSec: number;
  bytesPerSec: number;
  latencyMs: LatencySummary;
  ackLatencyMs: LatencySummary | null;
  histogram: string;
  ackHistogram: string | null;
  disconnects: number;
  /** Why clients were disconnected, each reason once. */
  disconnectReasons: string[];
  /** The QoS the broker really gave: lower than `qos` when it downgraded (SUBACK grant, or PUBACK for QoS 2). */
  grantedQos: Qos;
  /** Publishes never acknowledged within the drain time. */
  unacknowledged: number;
}

/** Loss from what publishers sent and what each subscriber saw of each publisher. */
export function countLoss(sentByPublisher: readonly number[], uniqueBySubscriber: ReadonlyArray<readonly number[]>): number {
  let lost = 0;
  for (const perPublisher of uniqueBySubscriber) {
    sentByPublisher.forEach((sent, p) => {
      lost += Math.max(0, sent - (perPublisher[p] ?? 0));
    });
  }
  return lost;
}

/** Combine the same QoS from several runs made at the same time (several load generators). */
export function mergeResults(results: readonly QosResult[]): QosResult {
  const first = results[0];
  if (first === undefined) throw new Error('mergeResults needs at least one result');
  const h = decodeHistogram(first.histogram);
  for (const r of results.slice(1)) h.add(decodeHistogram(r.histogram));
  const acks = results.filter((r) => r.ackHistogram !== null);
  let ack: hdr.Histogram | null = null;
  for (const r of acks) {
    const d = decodeHistogram(r.ackHistogram as string);
    if (ack === null) ack = d;
    else ack.add(d);
  }
  const sum = (k: keyof QosResult): number => results.reduce((t, r) => t + (r[k] as number), 0);
  return {
    qos: first.qos,
    sent: sum('sent'),
    received: sum('received'),
    // Runs made at the same time have different subscribers: one list after the other.
    receivedBySubscriber: results.flatMap((r) => r.receivedBySubscriber),
    stray: sum('stray'),
    lost: sum('lost'),
    duplicated: sum('duplicated'),
    reordered: sum('reordered'),
    refused: sum('refused'),
    durationSec: Math.max(...results.map((r) => r.durationSec)),
    msgsPerSec: sum('msgsPerSec'),
    bytesPerSec: sum('bytesPerSec'),
    latencyMs: summarize(h),
    ackLatencyMs: ack === null ? null : summarize(ack),
    histogram: encodeHistogram(h),
    ackHistogram: ack === null ? null : encodeHistogram(ack),
    disconnects: sum('disconnects'),
    disconnectReasons: [...new Set(results.flatMap((r) => r.disconnectReasons ?? []))],
    grantedQos: Math.min(...results.map((r) => r.grantedQos ?? r.qos)) as Qos,
    unacknowledged: sum('unacknowledged'),
  };
}

/** Upper bounds, in seconds, of the latency buckets --metrics-port exposes (Prometheus histogram, le). */
export const LATENCY_BUCKETS_SEC = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] as const;

/** Latencies counted into LATENCY_BUCKETS_SEC (and one above them all), with their sum. */
export interface BucketCounts {
  /** Per bucket, not cumulative; the last one counts what is above every bound. */
  counts: number[];
  sumSec: number;
  count: number;
}

export const emptyBuckets = (): BucketCounts => ({ counts: new Array<number>(LATENCY_BUCKETS_SEC.length + 1).fill(0), sumSec: 0, count: 0 });

export function recordBucket(b: BucketCounts, microseconds: number): void {
  const sec = microseconds / 1e6;
  let i = 0;
  while (i < LATENCY_BUCKETS_SEC.length && sec > (LATENCY_BUCKETS_SEC[i] as number)) i++;
  b.counts[i] = (b.counts[i] as number) + 1;
  b.sumSec += sec;
  b.count++;
}

export function addBuckets(into: BucketCounts, from: BucketCounts): void {
  from.counts.forEach((c, i) => (into.counts[i] = (into.counts[i] ?? 0) + c));
  into.sumSec += from.sumSec;
  into.count += from.count;
}
