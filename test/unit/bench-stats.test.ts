import { describe, expect, test } from 'vitest';
import Table from 'cli-table3';
import { windowText, type BenchReport } from '../../src/bench/report.js';
import { warningsFor } from '../../src/bench/warnings.js';
import { compareWithQos0, summarizeLevel, type LevelResult, type TrialResult } from '../../src/bench/levels.js';
import { overheadLines, renderReport, renderTable, type TableClass } from '../../src/bench/render.js';
import { fitLine, ProgressMeter } from '../../src/bench/progress.js';
import { niceTicks, percentileCurve, renderHtml } from '../../src/bench/html.js';
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
    qos, sent: values.length, received: values.length, receivedBySubscriber: [values.length], stray: 0, lost: 0, duplicated: 0, reordered: 0, refused: 0, durationSec: 1,
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

/** A level of one trial per entry of `rates` (each trial with the same latencies). */
function level(qos: 0 | 1 | 2, values: number[], over: Partial<QosResult> = {}, rates?: number[]): LevelResult {
  const base = result(qos, values, over);
  const trials: TrialResult[] = (rates ?? [base.msgsPerSec]).map((msgsPerSec, i) => ({ ...base, msgsPerSec, round: i + 1, busiestThread: 0.3, otherCores: 0, steal: 0, brokerCores: null }));
  return summarizeLevel(trials);
}

describe('report', () => {
  const report = (results: LevelResult[], latencyPass: BenchReport['latencyPass'], over: Partial<BenchReport['parameters']> = {}): BenchReport => ({
    tool: 'mqtt-tool', schemaVersion: 3, version: '0.1.0', kind: 'throughput', startedAt: '2026-11-26T00:00:00Z', interrupted: false,
    parameters: { qos: [0, 1, 2], messages: 60_000, size: 64, publishers: 1, subscribers: 1, trials: results[0]?.trials.length ?? 1, ...over },
    environment: { broker: 'mqtt://127.0.0.1:1883', embedded: false, protocolVersion: 5, node: 'v20', cpus: 2, platform: 'linux' },
    results, latencyPass, comparisons: compareWithQos0(results, latencyPass?.results ?? null), clientCpu: { userSec: 1.5, systemSec: 0.5, utilization: 0.4 }, warnings: [],
  });
  const rounds = (x: number): number[] => [x, x * 1.02, x * 0.98, x * 1.01, x * 0.99, x * 1.03];
  const otherRounds = (x: number): number[] => [x * 1.01, x * 0.99, x * 1.02, x, x * 1.03, x * 0.97];
  const saturation = [
    level(0, [34_000, 36_000], { sent: 60_000, received: 60_000, ackLatencyMs: null }, rounds(81_743)),
    level(1, [22_000, 25_000], { sent: 60_000, received: 60_000, ackLatencyMs: summarize(newHistogram()) }, otherRounds(43_081)),
    level(2, [5_000, 8_000], { sent: 60_000, received: 60_000, grantedQos: 2 }, otherRounds(24_454)),
  ];
  const equalRate = { rate: 12_000, results: [level(0, [900, 2_000], {}, rounds(12_000)), level(1, [1_500, 4_000], {}, rounds(12_000)), level(2, [2_200, 6_100], {}, rounds(12_000))] };
  const render = (r: BenchReport, columns: number | undefined): string =>
    renderReport({ report: r, header: 'mqtt-tool bench 0.1.0: mqtt://127.0.0.1:1883 (MQTT 5)', window: '1000 (200 at QoS 2)', columns, Table: Table as unknown as TableClass, style: { bold: (x) => x } });

  test.each([60, 80, 120])('at %i columns no line is longer than the terminal, and every figure keeps its unit', (columns) => {
    const text = render(report(saturation, equalRate), columns);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(columns);
    for (const unit of ['msg/s', 'MB/s', 'sent msgs', 'missing msgs', 'p50 ms', 'p99.9 ms', 'max ms']) expect(text).toContain(unit);
    expect(text).toContain('Latency at 12,000 msg/s for every level');
  });
  test('medians with their 95 % intervals in the tables', () => {
    const text = render(report(saturation, equalRate), 200);
    expect(text).toContain('82,152 (80,108–84,195)');
    expect(text).toContain('6 trials of 60,000 messages per QoS');
  });
  test('one row per QoS when it fits, one column per QoS at 80 columns and below, one line per figure when even that does not fit', () => {
    const measures = [{ label: 'msg/s', value: (r: LevelResult) => String(r.msgsPerSec) }, { label: 'p99.9 latency ms', value: () => '1.00' }];
    const T = Table as unknown as TableClass;
    expect(renderTable(saturation, measures, 200, T, { bold: (x) => x }).layout).toBe('rows');
    const wide = render(report(saturation, equalRate), 250);
    expect(wide).toMatch(/│ QoS\s+│\s+msg\/s/);
    const narrow = render(report(saturation, equalRate), 80);
    expect(narrow).toMatch(/│\s+│\s+QoS 0 │\s+QoS 1 │\s+QoS 2 │/);
    expect(renderTable(saturation, measures, 20, T, { bold: (x) => x })).toMatchObject({ layout: 'lines' });
  });
  test('the overhead in words: a verdict with its interval, latency from the equal-rate pass', () => {
    expect(overheadLines(report(saturation, equalRate))).toEqual([
      'QoS 1 is slower than QoS 0: 0.53x its throughput, 95 % interval 0.50x–0.55x over 6 rounds.',
      'At 12,000 msg/s, QoS 1 against QoS 0: adds 0.60 ms at p50 (+0.60 to +0.60 ms); adds 2.00 ms at p99 (+2.00 to +2.00 ms).',
      'QoS 2 is slower than QoS 0: 0.30x its throughput, 95 % interval 0.28x–0.31x over 6 rounds.',
      'At 12,000 msg/s, QoS 2 against QoS 0: adds 1.30 ms at p50 (+1.30 to +1.30 ms); adds 4.10 ms at p99 (+4.10 to +4.10 ms).',
    ]);
    // Without an equal-rate pass, saturation latencies are compared and said to be queueing.
    expect(overheadLines(report(saturation, null))[3]).toBe('At saturation (mostly queueing, not the protocol), QoS 2 against QoS 0: takes 29.0 ms less at p50 (−29.0 to −29.0 ms); takes 28.0 ms less at p99 (−28.0 to −28.0 ms).');
  });
  test('no verdict where the interval spans no difference, and none without an interval', () => {
    const same = [level(0, [1000], {}, [100, 104, 96, 102, 98, 101]), level(1, [1000], {}, [99, 105, 97, 101, 97, 102])];
    const [line] = overheadLines(report(same, null));
    expect(line).toMatch(/^QoS 1: no measurable throughput difference from QoS 0: 1\.00x, 95 % interval 0\.\d\dx–1\.0\dx over 6 rounds; /);
    const once = [level(0, [1000], {}, [100]), level(1, [1000], {}, [50])];
    expect(overheadLines(report(once, null))[0]).toBe('QoS 1: no measurable throughput difference from QoS 0: 0.50x; one round: no interval.');
  });
  test('publish-only runs (nothing received) show no latency table and no latency in the overhead', () => {
    const none = [level(0, [], { msgsPerSec: 1000 }), level(1, [], { msgsPerSec: 500 })];
    const text = render(report(none, null, { subscribers: 0 }), 120);
    expect(text).not.toContain('Latency');
    expect(text).toContain('QoS 1: no measurable throughput difference from QoS 0: 0.50x; one round: no interval.');
    expect(text).toContain('1 publisher, 0 subscribers, 64-byte payloads, 60,000 messages per QoS');
  });
  test('a downgraded level is named as such', () => {
    expect(render(report([level(2, [1], { grantedQos: 1 })], null), 120)).toMatch(/│ 2 \(as 1\)/);
  });
  test('warnings: codes and words for saturation, embedded broker, undelivered, downgrades, disconnect reasons', () => {
    const w = warningsFor({
      saturation: [level(1, [1], { lost: 2 }), level(2, [1], { grantedQos: 1, disconnects: 1, disconnectReasons: ['the broker disconnected us: Quota exceeded (0x97)'] })],
      equalRate: [],
      clientCpu: { userSec: 1, systemSec: 1, utilization: 0.95 },
      embedded: true,
      drainSec: 12,
      trials: 1,
      comparisons: [],
    });
    const text = w.map((x) => `${x.code}: ${x.message}`).join('\n');
    expect(text).toMatch(/client-bound: .*95% of all cores/);
    expect(text).toMatch(/embedded-broker: /);
    expect(text).toContain('few-trials: 1 trial per level: a 95 % interval needs 6');
    expect(text).toContain('undelivered: QoS 1: 2 deliveries had not arrived within 12 s after the last publish (--drain)');
    expect(text).toContain('downgraded: QoS 2: downgraded to 1 by the broker');
    expect(text).toContain('disconnected: QoS 2: 1 client was disconnected during the run: the broker disconnected us: Quota exceeded (0x97)');
  });
  test('a level downgraded in both passes is warned about once', () => {
    const downgraded = level(2, [1], { grantedQos: 1 });
    expect(warningsFor({ saturation: [downgraded], equalRate: [downgraded], clientCpu: null, embedded: false, drainSec: 30, trials: 6, comparisons: [] })).toHaveLength(1);
  });
});

describe('progress', () => {
  test('sent, received, not yet received, rate, time elapsed and left', () => {
    const m = new ProgressMeter({ label: 'QoS 1', subscribers: 1, messages: 10_000, durationSec: undefined }, 0);
    m.line(0, 0, 0);
    expect(m.line(1_000, 3_000, 2_000)).toBe('QoS 1: sent 3,000 · received 2,000 (1,000 not yet) · 2,000 msg/s · 1.0 s · ~4.0 s left');
    const d = new ProgressMeter({ label: 'QoS 0', subscribers: 0, messages: undefined, durationSec: 10 }, 0);
    expect(d.line(2_500, 100, 0)).toBe('QoS 0: sent 100 · 2.5 s · ~7.5 s left');
  });
  test('no rate from the first burst: it shows once the samples span half a second', () => {
    const m = new ProgressMeter({ label: 'QoS 0', subscribers: 1, messages: 20_000, durationSec: undefined }, 0);
    m.line(0, 0, 0);
    expect(m.line(250, 6_000, 5_000)).toBe('QoS 0: sent 6,000 · received 5,000 (1,000 not yet) · 0.3 s');
    expect(m.line(600, 9_000, 8_000)).toBe('QoS 0: sent 9,000 · received 8,000 (1,000 not yet) · 13,333 msg/s · 0.6 s · ~0.9 s left');
  });
  test('at 80 columns the details give way before the rate and the time left do', () => {
    const m = new ProgressMeter({ label: 'QoS 2 @ 6,600/s', subscribers: 1, messages: 1_000_000, durationSec: undefined }, 0);
    m.line(0, 0, 0);
    const line = m.line(1_000, 123_456, 120_000, 80);
    expect(line).toBe('QoS 2 @ 6,600/s: sent 123,456 · received 120,000 · 120,000 msg/s · ~7.3 s left');
    expect(line.length).toBeLessThan(80);
  });
  test('a subscriber-only worker\'s counts move the received figure (the line never says "received 0" while messages flow)', () => {
    const m = new ProgressMeter({ label: 'QoS 1', subscribers: 2, messages: 100, durationSec: undefined }, 0);
    m.line(0, 0, 0);
    expect(m.line(500, 100, 150)).toContain('received 150 (50 not yet)');
  });
  test('the line is cut to the terminal width', () => {
    expect(fitLine('x'.repeat(100), 40)).toHaveLength(39);
    expect(fitLine('short', 40)).toBe('short');
    // A terminal that reports no size (0 columns) gets the whole line.
    expect(fitLine('x'.repeat(100), 0)).toHaveLength(100);
  });
});

describe('html', () => {
  test('axis ticks are 1, 2 or 5 times a power of ten and reach past the maximum', () => {
    expect(niceTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(430)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(niceTicks(0.7)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });
  test('a percentile curve rises with the percentile and ends at the maximum, no further than the samples reach', () => {
    const r = result(1, Array.from({ length: 1000 }, (_, i) => (i + 1) * 100));
    const c = percentileCurve(r);
    expect(c[0]?.x).toBe(0);
    expect(c.at(-1)?.x).toBe(3);
    expect(c.at(-1)?.ms).toBeCloseTo(100, 0);
    for (let i = 1; i < c.length; i++) expect(c[i]!.ms).toBeGreaterThanOrEqual(c[i - 1]!.ms);
    expect(percentileCurve(result(0, []))).toEqual([]);
  });
  test('the page is self-contained and escapes what it shows', () => {
    const html = renderHtml(
      { tool: 'mqtt-tool', schemaVersion: 2, version: '0.1.0', kind: 'throughput', startedAt: 'now', interrupted: false, parameters: { publishers: 1, subscribers: 1, size: 64, messages: 10 }, environment: { broker: 'mqtt://<x>', embedded: false, protocolVersion: 5, node: 'v20', cpus: 2, platform: 'linux' }, results: [level(0, [1000, 2000])], latencyPass: null, comparisons: [], clientCpu: null, warnings: [] },
      [],
    );
    expect(html).toContain('mqtt://&lt;x&gt;');
    expect(html).not.toMatch(/<script|https?:\/\/|<link/);
    expect(html.match(/class="curve"/g)).toHaveLength(1);
  });
  test('the page says what the terminal says: the window as capped, both passes\' amounts, milliseconds to three figures, no clipped label', () => {
    const fast = level(0, [1043, 2000], { msgsPerSec: 47_025 });
    const slow = level(1, [1500, 2500], { msgsPerSec: 20_000 });
    const html = renderHtml(
      {
        tool: 'mqtt-tool', schemaVersion: 2, version: '0.1.0', kind: 'throughput', startedAt: 'now', interrupted: false,
        parameters: { publishers: 1, subscribers: 1, size: 64, messages: 20_000, qos: [0, 1], receiveMaximum: 20 },
        environment: { broker: 'mqtt://x', embedded: false, protocolVersion: 5, node: 'v20', cpus: 2, platform: 'linux' },
        results: [fast, slow], latencyPass: { rate: 9_500, results: [level(0, [1000], { sent: 9_500 }), level(1, [1000], { sent: 9_500 })] }, comparisons: [], clientCpu: null, warnings: [],
      },
      [],
    );
    expect(html).toContain("in-flight window 20 (the broker's Receive Maximum 20 caps it)");
    expect(html).toContain('20,000 messages per QoS per trial (saturation pass)');
    expect(html).toContain('9,500 msg/s for every level, 9,500 messages per QoS per trial');
    expect(html).toContain('<td>1.04</td>');
    // The longest bar's label goes inside it; a shorter bar's stays outside.
    expect(html).toMatch(/text-anchor="end" fill="#fff">47,025 msg\/s</);
    expect(html).toMatch(/<text x="[\d.]+" y="[\d.]+">20,000 msg\/s</);
  });
});

describe('the in-flight window in words', () => {
  test.each([
    [{ qos: [0, 1, 2] }, 5, '1000 (200 at QoS 2)'],
    [{ qos: [0, 1] }, 5, '1000'],
    [{ qos: [0, 1], receiveMaximum: 20 }, 5, "20 (the broker's Receive Maximum 20 caps it)"],
    [{ qos: [2], receiveMaximum: 20 }, 5, "20 (20 at QoS 2) (the broker's Receive Maximum 20 caps it)"],
    [{ qos: [0, 1, 2] }, 4, '1000 (20 at QoS 2)'],
    [{ qos: [1], inflight: 50, receiveMaximum: 20 }, 5, "20 (the broker's Receive Maximum 20 caps it)"],
  ])('%j under protocol level %i: %s', (p, version, words) => {
    expect(windowText(p, version)).toBe(words);
  });
});
