/** bench's trials: rounds, levels, pairing by round, merge by round, compare, old schemas, /proc parsing. Pure code only. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { shareOf } from '../../src/bench/shard.js';
import { frameAt } from '../../src/connection/held-connection.js';
import { parseAddressList, parseShard, parseWallClock } from '../../src/cli/values.js';
import { unshared } from '../../src/protocol/topics.js';
import { compareWithQos0, mergeLevels, summarizeLevel, type LevelResult, type TrialResult } from '../../src/bench/levels.js';
import { roundOrder } from '../../src/bench/rounds.js';
import { compareRuns, incomparable } from '../../src/bench/compare.js';
import { readReport } from '../../src/bench/read-report.js';
import { listeningInodes, listeningUnixInodes, loadBetween, parseOpenFilesLimit, parseProcessTicks, parseProcStat } from '../../src/bench/machine.js';
import { warningsFor } from '../../src/bench/warnings.js';
import type { BenchReport } from '../../src/bench/report.js';
import { countBits, encodeHistogram, expandTopic, MAX_PUBLISHERS, newHistogram, publisherHeader, readPublisher, ringSize, SequenceTracker, summarize, unionBitmaps, type QosResult } from '../../src/bench/stats.js';

function trial(qos: 0 | 1 | 2, round: number, msgsPerSec: number, latencies: number[] = [1000], over: Partial<TrialResult> = {}): TrialResult {
  const h = newHistogram();
  for (const v of latencies) h.recordValue(v);
  return {
    qos, sent: 100, received: 100, receivedBySubscriber: [100], stray: 0, lost: 0, duplicated: 0, reordered: 0, refused: 0, durationSec: 1.5, msgsPerSec, bytesPerSec: msgsPerSec * 64,
    latencyMs: summarize(h), ackLatencyMs: null, histogram: encodeHistogram(h), ackHistogram: null, disconnects: 0, disconnectReasons: [],
    grantedQos: qos, unacknowledged: 0, round, busiestThread: 0.4, otherCores: 0.01, steal: 0, brokerCores: 0.9, ...over,
  };
}

const levelOf = (qos: 0 | 1 | 2, rates: number[], latency: (round: number) => number[] = () => [1000], over: Partial<TrialResult> = {}): LevelResult =>
  summarizeLevel(rates.map((r, i) => trial(qos, i + 1, r, latency(i + 1), over)));

function report(results: LevelResult[], over: Partial<BenchReport> = {}, parameters: Record<string, unknown> = {}): BenchReport {
  return {
    tool: 'mqtt-tool', schemaVersion: 3, version: '0.1.0', kind: 'throughput', startedAt: '2026-12-06T00:00:00Z', interrupted: false,
    parameters: { qos: results.map((l) => l.qos), size: 64, publishers: 1, subscribers: 1, trials: results[0]?.trials.length ?? 0, ...parameters },
    environment: { broker: 'mqtt://127.0.0.1:1883', embedded: false, protocolVersion: 5, node: 'v20', cpus: 2, platform: 'linux' },
    results, latencyPass: null, comparisons: compareWithQos0(results, null), clientCpu: null, warnings: [], ...over,
  };
}

describe('rounds', () => {
  test('each round rotates the order: 0,1,2 then 1,2,0 then 2,0,1, then again', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder([0, 1, 2], r))).toEqual([[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]);
    expect(roundOrder([1], 5)).toEqual([1]);
    expect(roundOrder([], 2)).toEqual([]);
  });
});

describe('a level over its trials', () => {
  test('counts summed, throughput the median with its interval, latency percentiles the median of the trials', () => {
    const l = levelOf(1, [900, 1000, 1100, 950, 1050, 1200], (r) => [r * 100]);
    expect(l).toMatchObject({ sent: 600, received: 600, msgsPerSec: 1025, msgsPerSecCi95: [900, 1200], durationSec: 9 });
    expect(l.latencyMs.p50).toBe(0.35);
    expect(l.latencyMsCi95.p50).toEqual([0.1, 0.6]);
    expect(l.latencyMs.max).toBe(0.6);
    expect(l.latencyMs.count).toBe(6);
    expect(l.trials).toHaveLength(6);
  });
  test('five trials have no interval', () => {
    expect(levelOf(0, [1, 2, 3, 4, 5]).msgsPerSecCi95).toBeNull();
  });
});

describe('against QoS 0, paired by round', () => {
  test('drift that falls on both levels of a round cancels: the ratio stays put while the machine slows', () => {
    // The machine halves its speed in rounds 4-6; QoS 1 is always 0.5x QoS 0 in the same round.
    const q0 = levelOf(0, [1000, 1010, 990, 500, 505, 495]);
    const q1 = levelOf(1, [500, 505, 495, 250, 252.5, 247.5]);
    const [c] = compareWithQos0([q0, q1], null);
    expect(c).toMatchObject({ qos: 1, rounds: 6, throughputRatio: 0.5, throughputRatioCi95: [0.5, 0.5], verdict: 'slower' });
    // Unpaired, the two levels' intervals overlap and would say nothing.
    expect((q1.msgsPerSecCi95 as [number, number])[1]).toBeGreaterThan((q0.msgsPerSecCi95 as [number, number])[0]);
  });
  test('a ratio whose interval spans 1 is no measurable difference; above 1 is faster', () => {
    const q0 = levelOf(0, [100, 100, 100, 100, 100, 100]);
    expect(compareWithQos0([q0, levelOf(1, [95, 104, 99, 102, 97, 101])], null)[0]?.verdict).toBe('no measurable difference');
    expect(compareWithQos0([q0, levelOf(2, [120, 125, 118, 130, 122, 121])], null)[0]?.verdict).toBe('faster');
  });
  test('latency differences per round with their intervals and verdicts', () => {
    const q0 = levelOf(0, [100, 100, 100, 100, 100, 100], (r) => [1000 + r * 10]);
    const q1 = levelOf(1, [50, 50, 50, 50, 50, 50], (r) => [1500 + r * 10]);
    const [c] = compareWithQos0([q0, q1], [q0, q1]);
    expect(c).toMatchObject({ latencyFrom: 'equal-rate', p50DeltaMs: 0.5, p50DeltaMsCi95: [0.5, 0.5], p50Verdict: 'higher', p99Verdict: 'higher' });
  });
  test('a round one level missed (Ctrl-C) is left out of the pairs', () => {
    const q0 = levelOf(0, [100, 100, 100, 100, 100, 100]);
    const q1 = levelOf(1, [50, 50, 50, 50, 50]);
    expect(compareWithQos0([q0, q1], null)[0]).toMatchObject({ rounds: 5, throughputRatioCi95: null, verdict: 'no measurable difference' });
  });
});

describe('merge by round', () => {
  test('the same round of runs made at the same time is one trial: rates summed, latencies merged exactly', () => {
    const a = [levelOf(0, [100, 110, 120, 130, 140, 150], () => [1000])];
    const b = [levelOf(0, [10, 11, 12, 13, 14, 15], () => [3000])];
    const [m] = mergeLevels([a, b]);
    expect(m?.trials.map((t) => t.msgsPerSec)).toEqual([110, 121, 132, 143, 154, 165]);
    expect(m?.msgsPerSecCi95).toEqual([110, 165]);
    expect(m?.trials[0]?.latencyMs.count).toBe(2);
    expect(m?.trials[0]?.latencyMs.max).toBeCloseTo(3, 1);
  });
});

describe('bench compare', () => {
  const a = report([levelOf(0, [1000, 1020, 980, 1010, 990, 1005]), levelOf(1, [500, 510, 490, 505, 495, 502])]);
  test('every figure of B as a ratio of A with its interval and verdict', () => {
    const b = report([levelOf(0, [800, 810, 790, 805, 795, 802]), levelOf(1, [500, 512, 488, 506, 494, 500])]);
    const c = compareRuns('a.json', a, 'b.json', b);
    expect(c.throughput[0]).toMatchObject({ qos: 0, a: 1003, b: 801, verdict: 'slower' });
    expect(c.throughput[0]?.ratio).toBeCloseTo(0.8, 2);
    expect(c.throughput[1]?.verdict).toBe('no measurable difference');
    expect(c.latencyFrom).toEqual({ pass: 'saturation' });
    expect(c.notes).toEqual([]);
  });
  test('not comparable: another payload size, other QoS levels, another fixed rate', () => {
    expect(incomparable(a, report(a.results, {}, { size: 1024 }))).toMatch(/payloads differ \(64 and 1024 bytes\)/);
    expect(incomparable(a, report([a.results[0] as LevelResult]))).toMatch(/different QoS levels \(0,1 and 0\)/);
    expect(incomparable(a, report(a.results, {}, { rate: 5000 }))).toMatch(/as fast as possible, the other at a fixed 5,000 msg\/s/);
    expect(incomparable(a, report(a.results, {}, { publishers: 4 }))).toBeUndefined();
  });
  test('what differs but stays comparable is noted; latency at two different rates is not compared', () => {
    const withPass = (rate: number): Partial<BenchReport> => ({ latencyPass: { rate, results: a.results } });
    const c = compareRuns('a.json', report(a.results, withPass(500)), 'b.json', report(a.results, withPass(400), { publishers: 4 }));
    expect(c.latencyFrom).toBeNull();
    expect(c.notes.join('\n')).toMatch(/--publishers differs \(1 and 4\)/);
    expect(c.notes.join('\n')).toMatch(/equal-rate passes ran at 500 and 400 msg\/s/);
  });
});

describe('reading older reports', () => {
  const old = (schemaVersion: number, r: QosResult): string =>
    JSON.stringify({ tool: 'mqtt-tool', schemaVersion, version: '0.0.9', kind: 'throughput', startedAt: 'x', interrupted: false, parameters: { size: 64, publishers: 1 }, environment: { broker: 'mqtt://x', embedded: false, protocolVersion: 5 }, results: [r], ...(schemaVersion === 2 ? { latencyPass: null } : {}), clientCpu: null, warnings: ['a'] });
  test('schema 1 and 2: each level becomes one trial, without an interval', () => {
    const { trials: _t, msgsPerSecCi95: _c, latencyMsCi95: _l, ...plain } = levelOf(0, [1234]);
    for (const version of [1, 2]) {
      const read = readReport(old(version, plain as QosResult));
      expect(read.ok).toBe(true);
      const r = (read as { report: BenchReport }).report;
      expect(r.results[0]).toMatchObject({ msgsPerSec: 1234, msgsPerSecCi95: null });
      expect(r.results[0]?.trials).toHaveLength(1);
      expect(r.parameters['trials']).toBe(1);
      expect(r.warnings.map((w) => w.code)).toContain('few-trials');
    }
  });
  test('a schema 3 report whose trials lack fields added later reads with their empty values', () => {
    const { receivedBySubscriber: _r, stray: _s, ...bare } = trial(1, 1, 500);
    const level = { ...levelOf(1, [500]), trials: [bare] };
    const text = JSON.stringify({ tool: 'mqtt-tool', schemaVersion: 3, version: '0.1.0', kind: 'throughput', startedAt: 'x', interrupted: false, parameters: { size: 64, trials: 1 }, environment: { broker: 'mqtt://x', embedded: false, protocolVersion: 5 }, results: [level], latencyPass: null, comparisons: [], clientCpu: null, warnings: [] });
    const read = readReport(text);
    expect(read.ok).toBe(true);
    expect((read as { report: BenchReport }).report.results[0]).toMatchObject({ msgsPerSec: 500, stray: 0, receivedBySubscriber: [] });
  });
  test('what is not a report says why', () => {
    expect(readReport('nope')).toEqual({ ok: false, why: 'it is not JSON' });
    expect(readReport('{"tool":"x"}')).toEqual({ ok: false, why: 'it is not a report of mqtt-tool bench' });
    expect(readReport('{"tool":"mqtt-tool","kind":"connections","schemaVersion":3}')).toMatchObject({ ok: false, why: expect.stringMatching(/--connections/) });
    expect(readReport('{"tool":"mqtt-tool","kind":"throughput","schemaVersion":9}')).toMatchObject({ ok: false, why: expect.stringMatching(/newer/) });
  });
});

describe('the machine from /proc', () => {
  test('/proc/stat: busy, steal and total ticks', () => {
    expect(parseProcStat('cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n')).toEqual({ busy: 160, steal: 10, total: 1190 });
    expect(parseProcStat('intr 1 2 3')).toBeUndefined();
  });
  test('/proc/PID/stat: utime + stime, a command name with spaces and parentheses', () => {
    const fields = Array.from({ length: 20 }, (_, i) => String(i + 3));
    fields[11] = '700';
    fields[12] = '300';
    expect(parseProcessTicks(`42 (my (odd) name) ${fields.join(' ')}`)).toBe(1000);
  });
  test('listening sockets by port and by path', () => {
    const tcp = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode', '   0: 0100007F:075B 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 31337 1', '   1: 0100007F:075B 0100007F:9C40 01 00000000:00000000 00:00000000 00000000   106        0 4242 1'].join('\n');
    expect(listeningInodes(tcp, 1883)).toEqual(['31337']);
    expect(listeningInodes(tcp, 1884)).toEqual([]);
    const unix = ['Num       RefCount Protocol Flags    Type St Inode Path', '0000000000000000: 00000002 00000000 00010000 0001 01 5555 /tmp/mqtt.sock'].join('\n');
    expect(listeningUnixInodes(unix, '/tmp/mqtt.sock')).toEqual(['5555']);
  });
  test('other processes are what the machine did beyond this process and the broker, in cores', () => {
    const a = { at: 0, machine: { busy: 1000, steal: 0, total: 10_000 }, self: 100, broker: 200 };
    const b = { at: 1000, machine: { busy: 1800, steal: 40, total: 10_400 }, self: 300, broker: 300 };
    expect(loadBetween(a, b, 2)).toEqual({ otherCores: 2.5, steal: 0.1, brokerCores: 0.5 });
    expect(loadBetween({ ...a, machine: undefined }, b, 2).otherCores).toBeUndefined();
  });
});

describe('noise and bottleneck warnings', () => {
  const base = { equalRate: [], clientCpu: null, embedded: false, drainSec: 30, trials: 6, comparisons: [] };
  test('a quiet run warns of nothing', () => {
    expect(warningsFor({ ...base, saturation: [levelOf(0, [1000, 1020, 980, 1010, 990, 1005])] })).toEqual([]);
  });
  test('noisy: the interval spans a large share of the median', () => {
    expect(warningsFor({ ...base, saturation: [levelOf(0, [600, 1020, 980, 1400, 990, 1005])] }).map((w) => w.code)).toEqual(['noisy']);
  });
  test('client-bound: the busiest load-generator thread near a full core', () => {
    expect(warningsFor({ ...base, saturation: [levelOf(0, [1000, 1000, 1000, 1000, 1000, 1000], undefined, { busiestThread: 0.97 })] }).map((w) => w.code)).toEqual(['client-bound']);
  });
  test('machine-busy and steal: trials that other processes or a hypervisor disturbed, counted', () => {
    const level = summarizeLevel([1, 2, 3, 4, 5, 6].map((r) => trial(0, r, 1000, [1000], r > 3 ? { otherCores: 0.95, steal: 0.05 } : {})));
    const w = warningsFor({ ...base, saturation: [level] });
    expect(w.map((x) => x.code)).toEqual(['machine-busy', 'steal']);
    expect(w[0]?.message).toMatch(/up to 0\.95 cores during 3 of 6 trials/);
  });
  test("qos0-tail: QoS 0's p99 beyond doubt above QoS 1's at the same rate (a broker with Nagle's algorithm on)", () => {
    const q0 = levelOf(0, [100, 100, 100, 100, 100, 100], (r) => [30_000 + r * 100]);
    const q1 = levelOf(1, [50, 50, 50, 50, 50, 50], (r) => [5_000 + r * 10]);
    const comparisons = compareWithQos0([q0, q1], [q0, q1]);
    const w = warningsFor({ ...base, saturation: [q0, q1], equalRate: [q0, q1], comparisons });
    expect(w.map((x) => x.code)).toEqual(['qos0-tail']);
    expect(w[0]?.message).toMatch(/QoS 0's p99 \(30\.\d ms\) is above QoS 1's \(5\.\d\d ms\) at the same rate: .*set_tcp_nodelay true/);
    // Without the equal-rate pass (saturation latencies are queueing), nothing is said.
    expect(warningsFor({ ...base, saturation: [q0, q1], comparisons: compareWithQos0([q0, q1], null) })).toEqual([]);
  });
});

describe('fleets and shards', () => {
  test('shares of a run: counts differ by one at most, numbers follow on, together they are the whole', () => {
    const shares = [0, 1, 2].map((index) => shareOf(10, { index, count: 3 }));
    expect(shares).toEqual([{ count: 3, offset: 0 }, { count: 3, offset: 3 }, { count: 4, offset: 6 }]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 64 }), (total, count) => {
        const all = Array.from({ length: count }, (_, index) => shareOf(total, { index, count }));
        expect(all.reduce((t, s) => t + s.count, 0)).toBe(total);
        all.forEach((s, i) => expect(s.offset).toBe(i === 0 ? 0 : (all[i - 1] as { offset: number; count: number }).offset + (all[i - 1] as { count: number }).count));
      }),
    );
  });
  test('--shard, --start-at and --source-address values', () => {
    expect(parseShard('--shard', '2/3')).toEqual({ index: 2, count: 3 });
    expect(() => parseShard('--shard', '3/3')).toThrow(/I\/N, this shard's number I from 0 to N-1/);
    expect(() => parseShard('--shard', '1')).toThrow(/--shard/);
    expect(parseWallClock('--start-at', '2026-12-06T10:00:00Z')).toBe(Date.parse('2026-12-06T10:00:00Z'));
    expect(parseWallClock('--start-at', '1765015200')).toBe(1_765_015_200_000);
    expect(() => parseWallClock('--start-at', '2026-12-06 10:00')).toThrow(/with its zone/);
    expect(parseAddressList('--source-address', '127.0.0.1, 127.0.0.2,::1')).toEqual(['127.0.0.1', '127.0.0.2', '::1']);
    expect(() => parseAddressList('--source-address', '127.0.0.1,host.local')).toThrow(/invalid address 'host.local'/);
  });
  test('topic patterns, the payload header, the send-time ring and shared groups\' bitmaps', () => {
    expect(expandTopic('fleet/%i/%c/100%%', 42, 'dev-42')).toBe('fleet/42/dev-42/100%');
    expect(readPublisher(publisherHeader(7, 123_456))).toEqual({ tag: 7, number: 123_456 });
    expect(readPublisher(publisherHeader(255, MAX_PUBLISHERS))).toEqual({ tag: 255, number: MAX_PUBLISHERS });
    expect([1, 200, 1000, 65_535].map(ringSize)).toEqual([2, 256, 1024, 65_536]);
    const a = new SequenceTracker();
    const b = new SequenceTracker();
    [0, 1, 2, 9].forEach((s) => a.record(s));
    [2, 3, 17].forEach((s) => b.record(s));
    const union = unionBitmaps(a.bitmap(), b.bitmap());
    expect(countBits(union)).toBe(6);
    expect(countBits(unionBitmaps(undefined, a.bitmap()))).toBe(4);
    expect(unshared('$share/g/fleet/+')).toBe('fleet/+');
    expect(unshared('fleet/#')).toBe('fleet/#');
  });
  test('the descriptor limit from /proc/self/limits', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(parseOpenFilesLimit(limits)).toBe(20_000);
    expect(parseOpenFilesLimit(limits.replace(/20000 {16}20000/, 'unlimited            unlimited'))).toBeUndefined();
  });
});

describe('held connections read whole packets', () => {
  test('a frame is complete only with all its remaining length, over one to four length bytes', () => {
    expect(frameAt(Buffer.from([0xd0, 0x00]))).toEqual({ type: 13, length: 2 });
    expect(frameAt(Buffer.from([0x20, 0x03, 0x00, 0x00]))).toBeUndefined();
    expect(frameAt(Buffer.from([0x20, 0x02, 0x00, 0x00, 0xd0]))).toEqual({ type: 2, length: 4 });
    const long = Buffer.concat([Buffer.from([0x30, 0x80, 0x01]), Buffer.alloc(128)]);
    expect(frameAt(long)).toEqual({ type: 3, length: 131 });
    expect(frameAt(long.subarray(0, 100))).toBeUndefined();
    expect(frameAt(Buffer.from([0xe0]))).toBeUndefined();
  });
});
