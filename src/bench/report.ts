/** Bench report: the JSON document and the human table. Pure. */
import type { ClientCpu } from './runner.js';
import type { ConnectionTestResult } from './connection-storm.js';
import { V311_QOS2_WINDOW } from '../connection/fast-publisher.js';
import type { Interval } from './intervals.js';
import type { Comparison, LevelResult } from './levels.js';
import type { QosResult } from './stats.js';
import type { BenchWarning } from './warnings.js';

/**
 * The version of the JSON document. 2: `latencyPass` (every level at one common rate) added, next to
 * `results` (the saturation pass). 3: every level measured in trials: `msgsPerSec` is the median
 * over them with `msgsPerSecCi95`, latency percentiles with `latencyMsCi95`, the raw trials in
 * `trials`; `comparisons` against QoS 0; warnings as `{ code, message }`. Readers accept 1, 2 and 3.
 */
export const SCHEMA_VERSION = 3;

export interface BenchEnvironment {
  broker: string;
  embedded: boolean;
  protocolVersion: number;
  node: string;
  cpus: number;
  platform: string;
}

export interface BenchReport {
  tool: 'mqtt-tool';
  schemaVersion: number;
  version: string;
  kind: 'throughput';
  startedAt: string;
  interrupted: boolean;
  parameters: Record<string, unknown>;
  environment: BenchEnvironment;
  /** The saturation pass: each level as fast as the window allows (or at --rate). */
  results: LevelResult[];
  /** Every level at one rate all of them sustain, for latency: null with --rate, --latency-rate 0 or no subscribers. */
  latencyPass: { rate: number; results: LevelResult[] } | null;
  /** Each level above 0 against QoS 0, paired by round. */
  comparisons: Comparison[];
  clientCpu: ClientCpu | null;
  warnings: BenchWarning[];
}

export interface ConnectionReport extends Omit<BenchReport, 'kind' | 'results' | 'latencyPass' | 'comparisons'> {
  kind: 'connections';
  connections: ConnectionTestResult;
  /** The load generator's peak resident memory over the run, every thread included. */
  peakRssBytes: number;
}

/** 12,345: counts and rates as bench prints them everywhere (table, progress, page). */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Milliseconds as bench prints them everywhere: three significant figures ("1.04", "11.1", "128"). */
export const fmtMs = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

/** A ratio: "0.52x". */
export const fmtRatio = (x: number): string => `${x.toFixed(2)}x`;

/** A difference in milliseconds with its sign: "+1.30", "−0.60", "0.00". */
export const fmtSignedMs = (x: number): string => `${x > 0 ? '+' : x < 0 ? '−' : ''}${fmtMs(Math.abs(x))}`;

/** An interval: "0.51x–0.53x", or `none` when there is none. */
export const fmtRange = (ci: Interval | null, f: (x: number) => string, none = 'no interval'): string => (ci === null ? none : `${f(ci[0])}–${f(ci[1])}`);

/** "50,778 (49,100–52,300)": a median and its 95 % interval, or the median alone without one. */
export const withInterval = (value: string, ci: Interval | null, f: (n: number) => string): string => (ci === null ? value : `${value} (${fmtRange(ci, f)})`);

/**
 * The in-flight window in words, for the terminal and the page alike: "1000 (200 at QoS 2)", the QoS 2
 * window named only when QoS 2 ran, and the broker's Receive Maximum named when it capped the window.
 */
export function windowText(p: BenchReport['parameters'], version: number): string {
  const cap = (p['receiveMaximum'] as number | undefined) ?? 65_535;
  const asked = p['inflight'] as number | undefined;
  const levels = (p['qos'] as readonly number[] | undefined) ?? [0, 1, 2];
  const capNote = ` (the broker's Receive Maximum ${cap} caps it)`;
  if (asked !== undefined) return `${Math.min(asked, cap)}${cap < asked ? capNote : ''}`;
  const qos2 = levels.includes(2) ? ` (${Math.min(version === 5 ? 200 : V311_QOS2_WINDOW, cap)} at QoS 2)` : '';
  return `${Math.min(1000, cap)}${qos2}${cap < 1000 ? capNote : ''}`;
}

/** "2" or "2 (as 1)" when the broker gave less than the QoS asked. */
export const qosLabel = (r: QosResult): string => (r.grantedQos < r.qos ? `${r.qos} (as ${r.grantedQos})` : String(r.qos));
