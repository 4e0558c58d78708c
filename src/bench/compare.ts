/**
 * `bench compare A B`: two saved runs side by side, as criterion's change report does. Every figure
 * of B is set against A over their trials (not paired: the runs are independent), as a ratio for
 * throughput and a difference for latency, each with its 95 % interval and a verdict that is
 * given only when the interval excludes no difference. Pure: two reports in, the comparison out.
 */
import type { Qos } from '../protocol/types.js';
import { ratio, shift, type Interval } from './intervals.js';
import { latencyVerdict, throughputVerdict, type LatencyVerdict, type LevelResult, type Verdict } from './levels.js';
import type { BenchReport } from './report.js';

export interface RunRef {
  file: string;
  broker: string;
  startedAt: string;
  trials: number;
  schemaVersion: number;
}

export interface ThroughputChange {
  qos: Qos;
  a: number;
  b: number;
  /** B's throughput as a multiple of A's (Hodges-Lehmann over the trials). */
  ratio: number;
  ratioCi95: Interval | null;
  verdict: Verdict;
}

export interface LatencyChange {
  qos: Qos;
  p50A: number;
  p50B: number;
  /** B minus A, in milliseconds. */
  p50DeltaMs: number;
  p50DeltaMsCi95: Interval | null;
  p50Verdict: LatencyVerdict;
  p99A: number;
  p99B: number;
  p99DeltaMs: number;
  p99DeltaMsCi95: Interval | null;
  p99Verdict: LatencyVerdict;
}

export interface RunComparison {
  tool: 'mqtt-tool';
  kind: 'comparison';
  schemaVersion: 3;
  a: RunRef;
  b: RunRef;
  throughput: ThroughputChange[];
  /** Where the latencies come from; null when the two runs' latencies cannot be set side by side. */
  latencyFrom: { pass: 'equal-rate'; rate: number } | { pass: 'saturation' } | null;
  latency: LatencyChange[];
  /** Differences between the runs that the figures include, and why latency was left out. */
  notes: string[];
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sameSet = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && [...a].sort().join() === [...b].sort().join();
const levelsOf = (r: BenchReport): number[] => r.results.map((l) => l.qos);

/** Why two runs cannot be compared (different payload size, QoS levels or fixed rate), or undefined. */
export function incomparable(a: BenchReport, b: BenchReport): string | undefined {
  const pa = a.parameters;
  const pb = b.parameters;
  if (pa['size'] !== pb['size']) return `their payloads differ (${String(pa['size'])} and ${String(pb['size'])} bytes): throughput depends on the size; run both with the same --size`;
  if (!sameSet(levelsOf(a), levelsOf(b))) return `they measured different QoS levels (${levelsOf(a).join(',')} and ${levelsOf(b).join(',')}); run both with the same --qos`;
  if (pa['rate'] !== pb['rate']) {
    const rate = (r: unknown): string => (r === undefined ? 'as fast as possible' : `at a fixed ${fmt(Number(r))} msg/s`);
    return `one published ${rate(pa['rate'])}, the other ${rate(pb['rate'])}; run both with the same --rate (or none)`;
  }
  return undefined;
}

/** Parameters that differ but leave the runs comparable: the ratios include their effect. */
function parameterNotes(a: BenchReport, b: BenchReport): string[] {
  const names: Array<[string, string]> = [
    ['publishers', '--publishers'],
    ['subscribers', '--subscribers'],
    ['inflight', '--inflight'],
    ['messages', '--messages'],
    ['durationSec', '--duration'],
  ];
  const notes = names
    .filter(([k]) => a.parameters[k] !== b.parameters[k])
    .map(([k, flag]) => `${flag} differs (${String(a.parameters[k] ?? 'default')} and ${String(b.parameters[k] ?? 'default')}): the figures include its effect`);
  if (a.environment.protocolVersion !== b.environment.protocolVersion) notes.push(`the MQTT versions differ (${a.environment.protocolVersion} and ${b.environment.protocolVersion})`);
  return notes;
}

function throughputChange(la: LevelResult, lb: LevelResult): ThroughputChange {
  const xa = la.trials.map((t) => t.msgsPerSec).filter((x) => x > 0);
  const xb = lb.trials.map((t) => t.msgsPerSec).filter((x) => x > 0);
  const r = xa.length === 0 || xb.length === 0 ? { estimate: 0, interval: null } : ratio(xa, xb);
  const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
  const ci: Interval | null = r.interval === null ? null : [r4(r.interval[0]), r4(r.interval[1])];
  return { qos: la.qos, a: la.msgsPerSec, b: lb.msgsPerSec, ratio: r4(r.estimate), ratioCi95: ci, verdict: throughputVerdict(ci) };
}

function latencyChange(la: LevelResult, lb: LevelResult): LatencyChange | undefined {
  const ta = la.trials.filter((t) => t.latencyMs.count > 0);
  const tb = lb.trials.filter((t) => t.latencyMs.count > 0);
  if (ta.length === 0 || tb.length === 0) return undefined;
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const at = (p: 'p50' | 'p99') => {
    const s = shift(ta.map((t) => t.latencyMs[p]), tb.map((t) => t.latencyMs[p]));
    const ci: Interval | null = s.interval === null ? null : [r3(s.interval[0]), r3(s.interval[1])];
    return { delta: r3(s.estimate), ci, verdict: latencyVerdict(ci) };
  };
  const p50 = at('p50');
  const p99 = at('p99');
  return {
    qos: la.qos,
    p50A: la.latencyMs.p50, p50B: lb.latencyMs.p50, p50DeltaMs: p50.delta, p50DeltaMsCi95: p50.ci, p50Verdict: p50.verdict,
    p99A: la.latencyMs.p99, p99B: lb.latencyMs.p99, p99DeltaMs: p99.delta, p99DeltaMsCi95: p99.ci, p99Verdict: p99.verdict,
  };
}

const ref = (file: string, r: BenchReport): RunRef => ({ file, broker: r.environment.broker, startedAt: r.startedAt, trials: Number(r.parameters['trials'] ?? 1), schemaVersion: r.schemaVersion });

/** The comparison of two comparable runs (check incomparable() first). */
export function compareRuns(fileA: string, a: BenchReport, fileB: string, b: BenchReport): RunComparison {
  const notes = parameterNotes(a, b);
  const pair = (xs: readonly LevelResult[], ys: readonly LevelResult[]): Array<[LevelResult, LevelResult]> =>
    xs.flatMap((x) => {
      const y = ys.find((l) => l.qos === x.qos);
      return y === undefined ? [] : [[x, y] as [LevelResult, LevelResult]];
    });
  let latencyFrom: RunComparison['latencyFrom'] = null;
  let latencyPairs: Array<[LevelResult, LevelResult]> = [];
  if (a.latencyPass !== null && b.latencyPass !== null) {
    if (a.latencyPass.rate === b.latencyPass.rate) {
      latencyFrom = { pass: 'equal-rate', rate: a.latencyPass.rate };
      latencyPairs = pair(a.latencyPass.results, b.latencyPass.results);
    } else {
      notes.push(`latency is not compared: the equal-rate passes ran at ${fmt(a.latencyPass.rate)} and ${fmt(b.latencyPass.rate)} msg/s, and latency depends on the rate; run both with the same --latency-rate`);
    }
  } else if (a.latencyPass === null && b.latencyPass === null) {
    latencyFrom = { pass: 'saturation' };
    latencyPairs = pair(a.results, b.results);
  } else {
    notes.push('latency is not compared: only one run has an equal-rate pass; run both with the same --latency-rate');
  }
  const throughput = pair(a.results, b.results).map(([x, y]) => throughputChange(x, y));
  const few = Math.min(ref(fileA, a).trials, ref(fileB, b).trials);
  if (few < 4) notes.push(`a run with ${few} trial${few === 1 ? '' : 's'} per level gives no interval: differences get no verdict (4 trials in each run are the fewest, 6 recommended)`);
  return {
    tool: 'mqtt-tool',
    kind: 'comparison',
    schemaVersion: 3,
    a: ref(fileA, a),
    b: ref(fileB, b),
    throughput,
    latencyFrom,
    latency: latencyPairs.flatMap(([x, y]) => latencyChange(x, y) ?? []),
    notes,
  };
}
