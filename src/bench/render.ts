/**
 * bench's human report: a throughput table from the saturation pass, a latency table from the
 * equal-rate pass, and the overhead of QoS 1 and 2 in words. Each table takes the layout that fits
 * the terminal: one row per QoS when it fits, else one column per QoS, else one line per figure;
 * never a wrapped line. Pure: the report and the terminal width in, text out (the table class is
 * passed in, so this module loads nothing).
 */
import { wrap } from '../report/check-report.js';
import { fmtInt, fmtMs, qosLabel, type BenchReport } from './report.js';
import type { QosResult } from './stats.js';

export interface TableLike {
  push(...rows: string[][]): unknown;
  toString(): string;
}
export type TableClass = new (options: {
  head: string[];
  style: { head: string[]; border: string[] };
  colAligns: Array<'left' | 'right'>;
  chars: Record<string, string>;
}) => TableLike;

/** No rule between body rows: a table as short as its content. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

export interface RenderStyle {
  readonly bold: (s: string) => string;
}

const plural = (n: number, word: string): string => `${fmtInt(n)} ${word}${n === 1 ? '' : 's'}`;
const visible = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, '').length;
const widest = (text: string): number => Math.max(...text.split('\n').map(visible));

/** A figure per QoS: its label with the unit, and the value for one result. */
interface Measure {
  readonly label: string;
  readonly value: (r: QosResult) => string;
}

function throughputMeasures(results: readonly QosResult[]): Measure[] {
  const acks = results.some((r) => r.ackLatencyMs !== null);
  return [
    { label: 'msg/s', value: (r) => fmtInt(r.msgsPerSec) },
    { label: 'MB/s', value: (r) => (r.bytesPerSec / 1e6).toFixed(2) },
    { label: 'sent msgs', value: (r) => fmtInt(r.sent) },
    { label: 'received msgs', value: (r) => fmtInt(r.received) },
    { label: 'missing msgs', value: (r) => fmtInt(r.lost) },
    { label: 'duplicate msgs', value: (r) => fmtInt(r.duplicated) },
    { label: 'reordered msgs', value: (r) => fmtInt(r.reordered) },
    ...(acks
      ? [
          { label: 'ack p50 ms', value: (r: QosResult) => (r.ackLatencyMs === null ? '-' : fmtMs(r.ackLatencyMs.p50)) },
          { label: 'ack p99 ms', value: (r: QosResult) => (r.ackLatencyMs === null ? '-' : fmtMs(r.ackLatencyMs.p99)) },
        ]
      : []),
  ];
}

function latencyMeasures(): Measure[] {
  const at = (pick: (r: QosResult) => number) => (r: QosResult) => (r.received === 0 ? '-' : fmtMs(pick(r)));
  return [
    { label: 'p50 ms', value: at((r) => r.latencyMs.p50) },
    { label: 'p90 ms', value: at((r) => r.latencyMs.p90) },
    { label: 'p99 ms', value: at((r) => r.latencyMs.p99) },
    { label: 'p99.9 ms', value: at((r) => r.latencyMs.p999) },
    { label: 'max ms', value: at((r) => r.latencyMs.max) },
  ];
}

export type Layout = 'rows' | 'columns' | 'lines';

/** One table in the widest layout that fits `columns` (undefined: no limit). */
export function renderTable(results: readonly QosResult[], measures: readonly Measure[], columns: number | undefined, Table: TableClass, style: RenderStyle): { text: string; layout: Layout } {
  const rows = new Table({ head: ['QoS', ...measures.map((m) => m.label)].map(style.bold), style: { head: [], border: [] }, colAligns: ['left', ...measures.map(() => 'right' as const)], chars: COMPACT });
  for (const r of results) rows.push([qosLabel(r), ...measures.map((m) => m.value(r))]);
  const wide = rows.toString();
  if (columns === undefined || widest(wide) <= columns) return { text: wide, layout: 'rows' };
  const cols = new Table({ head: ['', ...results.map((r) => `QoS ${qosLabel(r)}`)].map(style.bold), style: { head: [], border: [] }, colAligns: ['left', ...results.map(() => 'right' as const)], chars: COMPACT });
  for (const m of measures) cols.push([m.label, ...results.map((r) => m.value(r))]);
  const tall = cols.toString();
  if (widest(tall) <= columns) return { text: tall, layout: 'columns' };
  const lines = results.flatMap((r) => [style.bold(`QoS ${qosLabel(r)}`), ...measures.map((m) => `  ${m.label}: ${m.value(r)}`)]);
  return { text: lines.join('\n'), layout: 'lines' };
}

/** "QoS 2 runs at 0.42x the throughput of QoS 0 and adds 1.30 ms at p50, 4.10 ms at p99, at 5,000 msg/s". */
export function overheadLines(saturation: readonly QosResult[], latency: BenchReport['latencyPass']): string[] {
  const base = saturation.find((r) => r.qos === 0);
  if (base === undefined || base.msgsPerSec === 0) return [];
  const latencyResults = latency?.results ?? saturation;
  const latencyBase = latencyResults.find((r) => r.qos === 0);
  const delta = (ms: number, at: string): string => (ms >= 0 ? `adds ${fmtMs(ms)} ms at ${at}` : `takes ${fmtMs(-ms)} ms less at ${at}`);
  return saturation
    .filter((r) => r.qos > 0)
    .map((r) => {
      const name = `QoS ${qosLabel(r)}`;
      const share = `runs at ${(r.msgsPerSec / base.msgsPerSec).toFixed(2)}x the throughput of QoS 0`;
      const l = latencyResults.find((x) => x.qos === r.qos);
      if (l === undefined || latencyBase === undefined || l.received === 0 || latencyBase.received === 0) return `${name} ${share}.`;
      const where = latency === null ? ' (both at saturation: mostly queueing, not the protocol)' : `, at ${fmtInt(latency.rate)} msg/s`;
      const p99 = delta(l.latencyMs.p99 - latencyBase.latencyMs.p99, 'p99');
      const p50 = delta(l.latencyMs.p50 - latencyBase.latencyMs.p50, 'p50');
      // "adds 0.60 ms at p50 and 2.00 ms at p99": the verb once when both go the same way.
      const both = p50.split(' ')[0] === p99.split(' ')[0] ? `${p50} and ${p99.replace(/^\w+ /, '')}` : `${p50} and ${p99}`;
      return `${name} ${share} and ${both}${where}.`;
    });
}

/** "1 publisher, 2 subscribers, 64-byte payloads, 100,000 messages per QoS, in-flight window 1000 (200 at QoS 2)". */
export function parametersLine(p: BenchReport['parameters'], window: string): string {
  const amount = p['messages'] !== undefined ? `${fmtInt(Number(p['messages']))} messages per QoS` : `${String(p['durationSec'])} s per QoS`;
  const pace = p['rate'] !== undefined ? `fixed rate ${fmtInt(Number(p['rate']))} msg/s` : `in-flight window ${window}`;
  return `${plural(Number(p['publishers']), 'publisher')}, ${plural(Number(p['subscribers']), 'subscriber')}, ${String(p['size'])}-byte payloads, ${amount}, ${pace}`;
}

/** A line wrapped at spaces to the terminal, continuation lines indented by two. */
const fitWords = (line: string, columns: number | undefined): string => wrap(line, 2, 0, columns);

export interface RenderInput {
  readonly report: BenchReport;
  readonly header: string;
  readonly window: string;
  readonly columns: number | undefined;
  readonly Table: TableClass;
  readonly style: RenderStyle;
}

export function renderReport({ report, header, window, columns, Table, style }: RenderInput): string {
  const p = report.parameters;
  const lines = [fitWords(header, columns), fitWords(parametersLine(p, window), columns), ''];
  if (report.results.length > 0) {
    lines.push(style.bold(p['rate'] !== undefined ? `Throughput at a fixed ${fmtInt(Number(p['rate']))} msg/s` : 'Throughput: as fast as the in-flight window allows'));
    lines.push(renderTable(report.results, throughputMeasures(report.results), columns, Table, style).text, '');
    const pass = report.latencyPass;
    const latencyResults = pass?.results ?? report.results;
    if (latencyResults.some((r) => r.received > 0)) {
      const title =
        pass !== null
          ? `Latency at ${fmtInt(pass.rate)} msg/s for every level (end to end, from the intended send time)`
          : p['rate'] !== undefined
            ? 'Latency (end to end, from the intended send time)'
            : 'Latency at saturation (end to end; mostly queueing: see --latency-rate)';
      lines.push(style.bold(fitWords(title, columns)), renderTable(latencyResults, latencyMeasures(), columns, Table, style).text, '');
    }
    for (const o of overheadLines(report.results, pass)) lines.push(fitWords(o, columns));
  }
  if (report.clientCpu !== null) {
    const c = report.clientCpu;
    lines.push(fitWords(`load generator CPU: ${c.userSec} s user, ${c.systemSec} s system (${Math.round(c.utilization * 100)}% of ${report.environment.cpus} cores)`, columns));
  }
  if (report.interrupted) lines.push('interrupted: partial results');
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
