/**
 * What can make a bench figure wrong or noisy, each with a stable code (for scripts reading the
 * JSON) and the figure behind it in words. Pure.
 */
import { fewestSamples, median } from './intervals.js';
import type { Comparison, LevelResult, TrialResult } from './levels.js';
import type { ClientCpu } from './runner.js';
import { fmtInt, fmtMs } from './report.js';

export type WarningCode =
  | 'noisy'
  | 'client-bound'
  | 'machine-busy'
  | 'steal'
  | 'few-trials'
  | 'qos0-tail'
  | 'stray'
  | 'embedded-broker'
  | 'downgraded'
  | 'undelivered'
  | 'duplicates'
  | 'unacknowledged'
  | 'refused'
  | 'disconnected';

export interface BenchWarning {
  code: WarningCode;
  message: string;
}

/** A level's throughput whose 95 % interval (or, without one, its trials' range) spans more than this share of its median. */
export const NOISY_SPREAD = 0.25;
/** A load-generating thread busy this share of the time in most trials set the pace itself. */
export const CLIENT_BOUND_BUSY = 0.9;
/** Other processes using this many cores during a trial disturbed it. */
export const BUSY_OTHER_CORES = 0.25;
/** A hypervisor taking this share of the machine's time disturbed a trial. */
export const BUSY_STEAL = 0.02;

const pct = (x: number): string => `${Math.round(x * 100)}%`;

function noise(level: LevelResult): BenchWarning | undefined {
  const xs = level.trials.map((t) => t.msgsPerSec);
  if (xs.length < 2 || level.msgsPerSec <= 0) return undefined;
  const [low, high] = level.msgsPerSecCi95 ?? [Math.min(...xs), Math.max(...xs)];
  const spread = (high - low) / level.msgsPerSec;
  if (spread <= NOISY_SPREAD) return undefined;
  const what = level.msgsPerSecCi95 === null ? 'its trials ranged' : 'its 95 % interval is';
  return {
    code: 'noisy',
    message: `QoS ${level.qos}: throughput varied between trials: ${what} ${fmtInt(low)}–${fmtInt(high)} msg/s, ${pct(spread)} of the median: more --trials or a quieter machine narrow it`,
  };
}

function clientBound(level: LevelResult): BenchWarning | undefined {
  const busy = level.trials.map((t) => t.busiestThread).filter((b): b is number => b !== null);
  if (busy.length === 0 || median(busy) < CLIENT_BOUND_BUSY) return undefined;
  return {
    code: 'client-bound',
    message: `QoS ${level.qos}: the busiest load-generator thread was busy ${pct(median(busy))} of the time: the client, not the broker, may have set the pace; spread --publishers and --subscribers over more cores or machines (bench merge)`,
  };
}

/** Trials other processes or a hypervisor disturbed, over both passes. */
function machineBusy(trials: readonly TrialResult[]): BenchWarning[] {
  const out: BenchWarning[] = [];
  const busy = trials.filter((t) => (t.otherCores ?? 0) >= BUSY_OTHER_CORES);
  if (busy.length > 0) {
    const most = Math.max(...busy.map((t) => t.otherCores as number));
    out.push({
      code: 'machine-busy',
      message: `other processes used up to ${most.toFixed(2)} cores during ${busy.length} of ${trials.length} trials: those trials measured a shared machine; the intervals include them (rerun on a quiet machine for tighter ones)`,
    });
  }
  const stolen = trials.filter((t) => (t.steal ?? 0) >= BUSY_STEAL);
  if (stolen.length > 0) {
    out.push({ code: 'steal', message: `the hypervisor took up to ${pct(Math.max(...stolen.map((t) => t.steal as number)))} of the machine's time during ${stolen.length} of ${trials.length} trials (steal time): a virtual machine's neighbours slowed it` });
  }
  return out;
}

function delivery(r: LevelResult, drainSec: number): BenchWarning[] {
  const w: BenchWarning[] = [];
  if (r.grantedQos < r.qos) {
    w.push({ code: 'downgraded', message: `QoS ${r.qos}: downgraded to ${r.grantedQos} by the broker (its SUBACK granted less, or it answered QoS 2 with PUBACK): this row measures QoS ${r.grantedQos}` });
  }
  if (r.qos > 0 && r.lost > 0) {
    w.push({ code: 'undelivered', message: `QoS ${r.qos}: ${fmtInt(r.lost)} deliveries had not arrived within ${drainSec} s after the last publish (--drain): the broker may still hold them in a queue, or dropped them (a size or rate limit: \`mqtt-tool diagnose --limits\` measures them)` });
  }
  if (r.qos > 0 && r.duplicated > 0) w.push({ code: 'duplicates', message: `QoS ${r.qos}: ${fmtInt(r.duplicated)} duplicates${r.qos === 2 && r.grantedQos === 2 ? ': the broker broke QoS 2 (exactly once)' : ''}` });
  if (r.unacknowledged > 0) w.push({ code: 'unacknowledged', message: `QoS ${r.qos}: ${fmtInt(r.unacknowledged)} publishes never acknowledged within ${drainSec} s` });
  if (r.refused > 0) w.push({ code: 'refused', message: `QoS ${r.qos}: the broker refused ${r.refused} publishes` });
  if (r.disconnects > 0) {
    const why = r.disconnectReasons.join('; ');
    w.push({ code: 'disconnected', message: `QoS ${r.qos}: ${r.disconnects} client${r.disconnects === 1 ? ' was' : 's were'} disconnected during the run${why === '' ? '' : `: ${why}`}` });
  }
  return w;
}

/**
 * QoS 0's tail above QoS 1's at the same rate, beyond doubt: a QoS 0 delivery has no
 * acknowledgement after it, so when the broker leaves Nagle's algorithm on, its next small write
 * waits for the subscriber's delayed TCP ACK (40 ms on Linux). Measured here on Mosquitto: p99
 * 31 ms with its default, 4 ms with set_tcp_nodelay true.
 */
function qos0Tail(equalRate: readonly LevelResult[], comparisons: readonly Comparison[]): BenchWarning | undefined {
  const q0 = equalRate.find((l) => l.qos === 0);
  const q1 = equalRate.find((l) => l.qos === 1);
  const c = comparisons.find((x) => x.qos === 1 && x.latencyFrom === 'equal-rate');
  if (q0 === undefined || q1 === undefined || c?.p99Verdict !== 'lower' || q0.latencyMs.p99 < 2 * q1.latencyMs.p99) return undefined;
  return {
    code: 'qos0-tail',
    message: `QoS 0's p99 (${fmtMs(q0.latencyMs.p99)} ms) is above QoS 1's (${fmtMs(q1.latencyMs.p99)} ms) at the same rate: most likely the broker leaves Nagle's algorithm on, and a QoS 0 delivery, which nothing acknowledges, waits for the TCP delayed ACK (Mosquitto: set_tcp_nodelay true)`,
  };
}

export interface WarningInput {
  readonly saturation: readonly LevelResult[];
  readonly equalRate: readonly LevelResult[];
  readonly clientCpu: ClientCpu | null;
  readonly embedded: boolean;
  readonly drainSec: number;
  readonly trials: number;
  readonly comparisons: readonly Comparison[];
}

export function warningsFor(input: WarningInput): BenchWarning[] {
  const { saturation, equalRate } = input;
  const w: BenchWarning[] = [];
  const fewest = fewestSamples();
  if (input.trials < fewest && saturation.length > 0) {
    w.push({ code: 'few-trials', message: `${input.trials} trial${input.trials === 1 ? '' : 's'} per level: a 95 % interval needs ${fewest}, so no figure has one and no difference gets a verdict` });
  }
  for (const level of saturation) w.push(...[noise(level), clientBound(level)].filter((x): x is BenchWarning => x !== undefined));
  if (input.clientCpu !== null && input.clientCpu.utilization > 0.85) {
    w.push({ code: 'client-bound', message: `the load generator used ${pct(input.clientCpu.utilization)} of all cores: the client, not the broker, may have been the limit` });
  }
  w.push(...machineBusy([...saturation, ...equalRate].flatMap((l) => l.trials)));
  const tail = qos0Tail(equalRate, input.comparisons);
  if (tail !== undefined) w.push(tail);
  if (input.embedded) w.push({ code: 'embedded-broker', message: 'the broker was the embedded one (aedes, in its own process): these figures describe it, not a production broker' });
  for (const r of [...saturation, ...equalRate]) w.push(...delivery(r, input.drainSec));
  const stray = [...saturation, ...equalRate].reduce((t, l) => t + l.stray, 0);
  if (stray > 0) {
    w.push({ code: 'stray', message: `${fmtInt(stray)} messages reached the subscribers from publishers outside this run (another shard, or a late delivery of an earlier phase): not counted in any figure` });
  }
  // The equal-rate pass repeats the levels of the saturation pass: a finding about a level is said once.
  const seen = new Set<string>();
  return w.filter((x) => !seen.has(x.message) && seen.add(x.message) !== undefined);
}
