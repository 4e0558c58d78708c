import { describe, expect, test } from 'vitest';
import { tableRows, warningsFor } from '../../src/bench/report.js';
import {
  countLoss,
  decodeHistogram,
  encodeHistogram,
  mergeResults,
  newHistogram,
  SequenceTracker,
  summarize,
  writeHeader,
  type QosResult,
} from '../../src/bench/stats.js';

describe('SequenceTracker', () => {
  test('in order: no duplicates, no reordering', () => {
    const t = new SequenceTracker();
    for (let i = 0; i < 10_000; i++) expect(t.record(i)).toBe(true);
    expect(t).toMatchObject({ unique: 10_000, duplicated: 0, reordered: 0 });
  });
  test('duplicates are counted once each and not as unique', () => {
    const t = new SequenceTracker();
    [0, 1, 1, 2, 2, 2].forEach((s) => t.record(s));
    expect(t).toMatchObject({ unique: 3, duplicated: 3, reordered: 0 });
  });
  test('late arrivals count as reordered', () => {
    const t = new SequenceTracker();
    [0, 2, 1, 5, 3, 4].forEach((s) => t.record(s));
    expect(t).toMatchObject({ unique: 6, duplicated: 0, reordered: 3 });
  });
  test('gaps are loss: countLoss compares with what was sent', () => {
    const a = new SequenceTracker();
    [0, 1, 3].forEach((s) => a.record(s));
    expect(countLoss([5], [[a.unique]])).toBe(2);
  });
  test('loss across publishers and subscribers', () => {
    expect(countLoss([10, 20], [[10, 20], [9, 15], []])).toBe(0 + 6 + 30);
  });
  test('sequences past 65,535 (packet id wrap) are tracked exactly', () => {
    const t = new SequenceTracker();
    for (let i = 0; i < 70_000; i++) t.record(i);
    t.record(65_535);
    expect(t).toMatchObject({ unique: 70_000, duplicated: 1 });
  });
});

describe('payload header', () => {
  test('publisher id, sequence and send time at fixed offsets (the subscribers read them there)', () => {
    const b = Buffer.alloc(64);
    writeHeader(b, 7, 123_456, 1_700_000_000_123.25);
    expect([b.readUInt32BE(0), b.readUInt32BE(4), b.readDoubleBE(8)]).toEqual([7, 123_456, 1_700_000_000_123.25]);
  });
});

function result(qos: 0 | 1 | 2, values: number[], over: Partial<QosResult> = {}): QosResult {
  const h = newHistogram();
  for (const v of values) h.recordValue(v);
  return {
    qos, sent: values.length, received: values.length, lost: 0, duplicated: 0, reordered: 0, refused: 0, durationSec: 1,
    msgsPerSec: values.length, bytesPerSec: values.length * 64, latencyMs: summarize(h), ackLatencyMs: null,
    histogram: encodeHistogram(h), ackHistogram: null, disconnects: 0, disconnectReasons: [], grantedQos: qos, unacknowledged: 0, ...over,
  };
}

describe('histograms', () => {
  test('percentiles in ms from microsecond samples', () => {
    const h = newHistogram();
    for (let i = 1; i <= 1000; i++) h.recordValue(i * 1000);
    const s = summarize(h);
    expect(s.p50).toBeCloseTo(500, -1);
    expect(s.p99).toBeCloseTo(990, -1);
    expect(s.max).toBeCloseTo(1000, -1);
    expect(s.count).toBe(1000);
  });
  test('encode/decode keeps the counts', () => {
    const h = newHistogram();
    [5, 50, 500, 5000].forEach((v) => h.recordValue(v));
    expect(decodeHistogram(encodeHistogram(h)).totalCount).toBe(4);
  });
  test('merge: counts summed, percentiles from the merged histogram (exact, not averaged)', () => {
    const fast = result(1, Array.from({ length: 900 }, () => 1000));
    const slow = result(1, Array.from({ length: 100 }, () => 100_000), { lost: 3 });
    const m = mergeResults([fast, slow]);
    expect(m).toMatchObject({ sent: 1000, received: 1000, lost: 3, msgsPerSec: 1000 });
    expect(m.latencyMs.p50).toBeCloseTo(1, 1);
    expect(m.latencyMs.p99).toBeCloseTo(100, 0);
    expect(m.latencyMs.count).toBe(1000);
  });
});

describe('report', () => {
  test('one row per QoS with the overhead against QoS 0', () => {
    const { head, rows } = tableRows([result(0, [1000, 1000], { msgsPerSec: 1000 }), result(1, [3000, 3000], { msgsPerSec: 500 })]);
    expect(head[0]).toBe('QoS');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.at(-1)).toBe('-');
    expect(rows[1]?.at(-1)).toBe('0.50x, +2.00 ms');
  });
  test('publish-only rows (nothing received) show no end-to-end latency instead of zeros', () => {
    const { rows } = tableRows([result(0, [], { msgsPerSec: 1000 }), result(1, [], { msgsPerSec: 500 })]);
    expect(rows[0]?.slice(8, 13)).toEqual(['-', '-', '-', '-', '-']);
    expect(rows[1]?.at(-1)).toBe('0.50x');
  });
  test('warnings: saturation, embedded broker, undelivered, downgrades, disconnect reasons', () => {
    const w = warningsFor(
      [result(1, [1], { lost: 2 }), result(2, [1], { grantedQos: 1, disconnects: 1, disconnectReasons: ['the broker disconnected us: Quota exceeded (0x97)'] })],
      { userSec: 1, systemSec: 1, utilization: 0.95 },
      true,
      12,
    ).join('\n');
    expect(w).toMatch(/95% of all cores/);
    expect(w).toMatch(/embedded/);
    expect(w).toContain('QoS 1: 2 deliveries had not arrived within 12 s after the last publish (--drain)');
    expect(w).toContain('QoS 2: downgraded to 1 by the broker');
    expect(w).toContain('QoS 2: 1 client was disconnected during the run: the broker disconnected us: Quota exceeded (0x97)');
    expect(tableRows([result(2, [1], { grantedQos: 1 })]).rows[0]?.[0]).toBe('2 (as 1)');
  });
});
