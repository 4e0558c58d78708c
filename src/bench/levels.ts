/**
 * From trials to figures a person can act on: each level's median over its trials with a 95 %
 * interval, and each level against QoS 0 paired by round (the two ran back to back, so drift on the
 * machine falls on both). Pure.
 */
import type { Qos } from '../protocol/types.js';
import { median, medianInterval, side, type Interval } from './intervals.js';
import type { PhaseOutcome } from './runner.js';
import { decodeHistogram, encodeHistogram, mergeResults, newHistogram, type LatencySummary, type QosResult } from './stats.js';

/** One phase of one level: the saturation or equal-rate figures of one round. */
export interface TrialResult extends QosResult {
  /** 1-based; rounds run every level once, in an order rotated from round to round. */
  round: number;
  /** Event-loop utilisation of the busiest load-generating thread while it published (null in reports before schema 3). */
  busiestThread: number | null;
  /** Cores used by other processes while it published (null where /proc is not readable). */
  otherCores: number | null;
  /** Share of the machine's time a hypervisor stole, 0..1. */
  steal: number | null;
  /** Cores the broker used, when it runs on this machine. */
  brokerCores: number | null;
}

export type Percentile = 'p50' | 'p90' | 'p99' | 'p999';
export const PERCENTILES: readonly Percentile[] = ['p50', 'p90', 'p99', 'p999'];

/** A level over all its trials: counts summed, figures as the median with a 95 % interval. */
export interface LevelResult extends QosResult {
  /** The median over trials (QosResult's msgsPerSec, name kept). */
  msgsPerSecCi95: Interval | null;
  /** Latency percentiles: latencyMs holds the median over trials of each; max is the largest of all. */
  latencyMsCi95: Record<Percentile, Interval | null>;
  trials: TrialResult[];
}

export function trialOf(o: PhaseOutcome, round: number): TrialResult {
  return { ...o.result, round, busiestThread: o.busiestThread, otherCores: o.load.otherCores ?? null, steal: o.load.steal ?? null, brokerCores: o.load.brokerCores ?? null };
}

const sum = <T>(xs: readonly T[], pick: (x: T) => number): number => xs.reduce((t, x) => t + pick(x), 0);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function mergeHistograms(encoded: ReadonlyArray<string | null>): string | null {
  const present = encoded.filter((e): e is string => e !== null);
  if (present.length === 0) return null;
  const h = newHistogram();
  for (const e of present) h.add(decodeHistogram(e));
  return encodeHistogram(h);
}

/** Percentiles as the median over trials; max the largest, mean and count over every message. */
function medianSummary(summaries: readonly LatencySummary[]): LatencySummary {
  const counted = summaries.filter((s) => s.count > 0);
  if (counted.length === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
  const count = sum(counted, (s) => s.count);
  const at = (p: Percentile): number => round3(median(counted.map((s) => s[p])));
  return { p50: at('p50'), p90: at('p90'), p99: at('p99'), p999: at('p999'), max: Math.max(...counted.map((s) => s.max)), mean: round3(sum(counted, (s) => s.mean * s.count) / count), count };
}

export function summarizeLevel(trials: readonly TrialResult[]): LevelResult {
  const first = trials[0];
  if (first === undefined) throw new RangeError('a level needs at least one trial');
  const withLatency = trials.filter((t) => t.latencyMs.count > 0);
  const latencyCi = Object.fromEntries(PERCENTILES.map((p) => [p, medianInterval(withLatency.map((t) => t.latencyMs[p]))])) as Record<Percentile, Interval | null>;
  const acks = trials.map((t) => t.ackLatencyMs).filter((a): a is LatencySummary => a !== null);
  return {
    qos: first.qos,
    sent: sum(trials, (t) => t.sent),
    received: sum(trials, (t) => t.received),
    receivedBySubscriber: trials.reduce<number[]>((acc, t) => t.receivedBySubscriber.map((n, i) => n + (acc[i] ?? 0)), []),
    stray: sum(trials, (t) => t.stray),
    lost: sum(trials, (t) => t.lost),
    duplicated: sum(trials, (t) => t.duplicated),
    reordered: sum(trials, (t) => t.reordered),
    refused: sum(trials, (t) => t.refused),
    durationSec: round3(sum(trials, (t) => t.durationSec)),
    msgsPerSec: Math.round(median(trials.map((t) => t.msgsPerSec))),
    msgsPerSecCi95: medianInterval(trials.map((t) => t.msgsPerSec)),
    bytesPerSec: Math.round(median(trials.map((t) => t.bytesPerSec))),
    latencyMs: medianSummary(trials.map((t) => t.latencyMs)),
    latencyMsCi95: latencyCi,
    ackLatencyMs: acks.length === 0 ? null : medianSummary(acks),
    histogram: mergeHistograms(trials.map((t) => t.histogram)) as string,
    ackHistogram: mergeHistograms(trials.map((t) => t.ackHistogram)),
    disconnects: sum(trials, (t) => t.disconnects),
    disconnectReasons: [...new Set(trials.flatMap((t) => t.disconnectReasons))],
    grantedQos: Math.min(...trials.map((t) => t.grantedQos)) as Qos,
    unacknowledged: sum(trials, (t) => t.unacknowledged),
    trials: [...trials],
  };
}

/** Trials into levels, in the order the levels were asked for. */
export function levelsOf(qos: readonly Qos[], trials: readonly TrialResult[]): LevelResult[] {
  return qos.flatMap((q) => {
    const mine = trials.filter((t) => t.qos === q);
    return mine.length === 0 ? [] : [summarizeLevel(mine)];
  });
}

/**
 * Levels of runs made at the same time on several machines: the same round of every run is one
 * trial (its counts and rates summed, its histograms merged), then summarized again.
 */
export function mergeLevels(runs: ReadonlyArray<readonly LevelResult[]>): LevelResult[] {
  const byQos = new Map<Qos, LevelResult[]>();
  for (const run of runs) for (const level of run) byQos.set(level.qos, [...(byQos.get(level.qos) ?? []), level]);
  return [...byQos.keys()]
    .sort()
    .map((q) => {
      const levels = byQos.get(q) as LevelResult[];
      const rounds = Math.min(...levels.map((l) => l.trials.length));
      const trials = Array.from({ length: rounds }, (_, i): TrialResult => {
        const same = levels.map((l) => l.trials[i] as TrialResult);
        const worst = (pick: (t: TrialResult) => number | null): number | null => {
          const xs = same.map(pick).filter((x): x is number => x !== null);
          return xs.length === 0 ? null : Math.max(...xs);
        };
        return { ...mergeResults(same), round: i + 1, busiestThread: worst((t) => t.busiestThread), otherCores: worst((t) => t.otherCores), steal: worst((t) => t.steal), brokerCores: worst((t) => t.brokerCores) };
      });
      return summarizeLevel(trials);
    });
}

export type Verdict = 'slower' | 'faster' | 'no measurable difference';
export type LatencyVerdict = 'higher' | 'lower' | 'no measurable difference';

/** A level against QoS 0, paired by round. */
export interface Comparison {
  qos: Qos;
  baseline: 0;
  /** Rounds in which both levels ran. */
  rounds: number;
  throughputRatio: number;
  throughputRatioCi95: Interval | null;
  /** Where the latency differences come from: the equal-rate pass, or the saturation pass when there was none. */
  latencyFrom: 'equal-rate' | 'saturation';
  p50DeltaMs: number | null;
  p50DeltaMsCi95: Interval | null;
  p99DeltaMs: number | null;
  p99DeltaMsCi95: Interval | null;
  /** Throughput: slower or faster only when the interval excludes no difference. */
  verdict: Verdict;
  p50Verdict: LatencyVerdict;
  p99Verdict: LatencyVerdict;
}

export const throughputVerdict = (ci: Interval | null): Verdict => ({ below: 'slower', above: 'faster', spans: 'no measurable difference' })[side(ci, 1)] as Verdict;
export const latencyVerdict = (ci: Interval | null): LatencyVerdict => ({ below: 'lower', above: 'higher', spans: 'no measurable difference' })[side(ci, 0)] as LatencyVerdict;

/** Values of one figure for the rounds both levels ran, as [level, baseline] pairs. */
function paired(level: LevelResult, base: LevelResult, pick: (t: TrialResult) => number | undefined): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const t of level.trials) {
    const b = base.trials.find((x) => x.round === t.round);
    const mine = pick(t);
    const theirs = b === undefined ? undefined : pick(b);
    if (mine !== undefined && theirs !== undefined) out.push([mine, theirs]);
  }
  return out;
}

function delta(level: LevelResult | undefined, base: LevelResult | undefined, p: 'p50' | 'p99'): { value: number | null; ci: Interval | null } {
  if (level === undefined || base === undefined) return { value: null, ci: null };
  const pairs = paired(level, base, (t) => (t.latencyMs.count > 0 ? t.latencyMs[p] : undefined));
  if (pairs.length === 0) return { value: null, ci: null };
  const diffs = pairs.map(([a, b]) => a - b);
  const ci = medianInterval(diffs);
  return { value: round3(median(diffs)), ci: ci === null ? null : [round3(ci[0]), round3(ci[1])] };
}

/** Each level above 0 against QoS 0: throughput from the saturation levels, latency from the equal-rate ones when given. */
export function compareWithQos0(saturation: readonly LevelResult[], equalRate: readonly LevelResult[] | null): Comparison[] {
  const base = saturation.find((l) => l.qos === 0);
  if (base === undefined) return [];
  const latencyLevels = equalRate ?? saturation;
  const latencyBase = latencyLevels.find((l) => l.qos === 0);
  return saturation
    .filter((l) => l.qos > 0)
    .flatMap((level) => {
      const pairs = paired(level, base, (t) => (t.msgsPerSec > 0 ? t.msgsPerSec : undefined));
      if (pairs.length === 0) return [];
      const ratios = pairs.map(([a, b]) => a / b);
      const ci = medianInterval(ratios);
      const latencyLevel = latencyLevels.find((l) => l.qos === level.qos);
      const p50 = delta(latencyLevel, latencyBase, 'p50');
      const p99 = delta(latencyLevel, latencyBase, 'p99');
      const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
      return [
        {
          qos: level.qos,
          baseline: 0 as const,
          rounds: pairs.length,
          throughputRatio: r4(median(ratios)),
          throughputRatioCi95: ci === null ? null : [r4(ci[0]), r4(ci[1])],
          latencyFrom: equalRate === null ? ('saturation' as const) : ('equal-rate' as const),
          p50DeltaMs: p50.value,
          p50DeltaMsCi95: p50.ci,
          p99DeltaMs: p99.value,
          p99DeltaMsCi95: p99.ci,
          verdict: throughputVerdict(ci),
          p50Verdict: latencyVerdict(p50.ci),
          p99Verdict: latencyVerdict(p99.ci),
        },
      ];
    });
}
