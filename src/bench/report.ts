/** Bench report: the JSON document and the human table. Pure. */
import type { ClientCpu, ConnectionTestResult } from './runner.js';
import { V311_QOS2_WINDOW } from '../connection/fast-publisher.js';
import type { QosResult } from './stats.js';

/**
 * The version of the JSON document. 2: `latencyPass` (every level at one common rate) added, next to
 * `results` (the saturation pass). Readers accept 1 (no latencyPass) and 2.
 */
export const SCHEMA_VERSION = 2;

export interface BenchReport {
  tool: 'mqtt-tool';
  schemaVersion: number;
  version: string;
  kind: 'throughput';
  startedAt: string;
  interrupted: boolean;
  parameters: Record<string, unknown>;
  environment: {
    broker: string;
    embedded: boolean;
    protocolVersion: number;
    node: string;
    cpus: number;
    platform: string;
  };
  /** The saturation pass: each level as fast as the window allows (or at --rate). */
  results: QosResult[];
  /** Every level at one rate all of them sustain, for latency: null with --rate, --latency-rate 0 or no subscribers. */
  latencyPass: { rate: number; results: QosResult[] } | null;
  clientCpu: ClientCpu | null;
  warnings: string[];
}

export interface ConnectionReport extends Omit<BenchReport, 'kind' | 'results' | 'latencyPass'> {
  kind: 'connections';
  connections: ConnectionTestResult;
}

/** 12,345: counts and rates as bench prints them everywhere (table, progress, page). */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Milliseconds as bench prints them everywhere: three significant figures ("1.04", "11.1", "128"). */
export const fmtMs = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

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

export function warningsFor(results: readonly QosResult[], cpu: ClientCpu | null, embedded: boolean, drainSec: number): string[] {
  const w: string[] = [];
  if (cpu !== null && cpu.utilization > 0.85) {
    w.push(`the load generator used ${Math.round(cpu.utilization * 100)}% of all cores: the client, not the broker, may have been the limit`);
  }
  if (embedded) w.push('the broker was the embedded one (aedes, in its own process): these figures describe it, not a production broker');
  for (const r of results) {
    if (r.grantedQos < r.qos) {
      w.push(`QoS ${r.qos}: downgraded to ${r.grantedQos} by the broker (its SUBACK granted less, or it answered QoS 2 with PUBACK): this row measures QoS ${r.grantedQos}`);
    }
    if (r.qos > 0 && r.lost > 0) {
      w.push(`QoS ${r.qos}: ${fmtInt(r.lost)} deliveries had not arrived within ${drainSec} s after the last publish (--drain): the broker may still hold them in a queue, or dropped them`);
    }
    if (r.qos > 0 && r.duplicated > 0) w.push(`QoS ${r.qos}: ${fmtInt(r.duplicated)} duplicates${r.qos === 2 && r.grantedQos === 2 ? ': the broker broke QoS 2 (exactly once)' : ''}`);
    if (r.unacknowledged > 0) w.push(`QoS ${r.qos}: ${fmtInt(r.unacknowledged)} publishes never acknowledged within ${drainSec} s`);
    if (r.refused > 0) w.push(`QoS ${r.qos}: the broker refused ${r.refused} publishes`);
    if (r.disconnects > 0) {
      const why = (r.disconnectReasons ?? []).join('; ');
      w.push(`QoS ${r.qos}: ${r.disconnects} client${r.disconnects === 1 ? ' was' : 's were'} disconnected during the run${why === '' ? '' : `: ${why}`}`);
    }
  }
  // The equal-rate pass repeats the levels of the throughput pass: a finding about a level is said once.
  return [...new Set(w)];
}
