/** Bench report: the JSON document and the human table. Pure. */
import type { ClientCpu, ConnectionTestResult } from './runner.js';
import type { QosResult } from './stats.js';

export interface BenchReport {
  tool: 'mqtt-tool';
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
  results: QosResult[];
  clientCpu: ClientCpu | null;
  warnings: string[];
}

export interface ConnectionReport extends Omit<BenchReport, 'kind' | 'results'> {
  kind: 'connections';
  connections: ConnectionTestResult;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

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
  return w;
}

/** Rows for the table: one per QoS, with the overhead against QoS 0 when QoS 0 ran. */
export function tableRows(results: readonly QosResult[]): { head: string[]; rows: string[][] } {
  const base = results.find((r) => r.qos === 0);
  const head = ['QoS', 'sent', 'received', 'missing', 'dup', 'reord', 'msg/s', 'MB/s', 'p50 ms', 'p90', 'p99', 'p99.9', 'max', 'ack p50', 'ack p99', 'vs QoS 0'];
  const rows = results.map((r) => {
    // Publish-only runs (no subscribers) have no end-to-end latency: show none rather than zeros.
    const latency = (ms: number): string => (r.received === 0 ? '-' : fmtMs(ms));
    const vs =
      base === undefined || r.qos === 0 || base.msgsPerSec === 0
        ? '-'
        : r.received === 0 || base.received === 0
          ? `${(r.msgsPerSec / base.msgsPerSec).toFixed(2)}x`
          : `${(r.msgsPerSec / base.msgsPerSec).toFixed(2)}x, ${r.latencyMs.p50 - base.latencyMs.p50 >= 0 ? '+' : ''}${fmtMs(r.latencyMs.p50 - base.latencyMs.p50)} ms`;
    return [
      r.grantedQos < r.qos ? `${r.qos} (as ${r.grantedQos})` : String(r.qos),
      fmtInt(r.sent),
      fmtInt(r.received),
      fmtInt(r.lost),
      fmtInt(r.duplicated),
      fmtInt(r.reordered),
      fmtInt(r.msgsPerSec),
      (r.bytesPerSec / 1e6).toFixed(2),
      latency(r.latencyMs.p50),
      latency(r.latencyMs.p90),
      latency(r.latencyMs.p99),
      latency(r.latencyMs.p999),
      latency(r.latencyMs.max),
      r.ackLatencyMs === null ? '-' : fmtMs(r.ackLatencyMs.p50),
      r.ackLatencyMs === null ? '-' : fmtMs(r.ackLatencyMs.p99),
      vs,
    ];
  });
  return { head, rows };
}
