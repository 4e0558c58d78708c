/**
 * bench's human report: a throughput table from the saturation pass, a latency table from the
 * equal-rate pass, and the overhead of QoS 1 and 2 in words. Each table takes the layout that fits
 * the terminal: one row per QoS when it fits, else one column per QoS, else one line per figure;
 * never a wrapped line. Pure: the report and the terminal width in, text out (the table class is
 * passed in, so this module loads nothing).
 */
import { wrap } from '../io/width.js';
import { median, trialsToResolve, type Interval } from './intervals.js';
import type { Comparison, LevelResult } from './levels.js';
import { fmtInt, fmtMs, fmtRatio, fmtSignedMs, qosLabel, withInterval, type BenchReport, type ConnectionReport } from './report.js';

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
  readonly value: (r: LevelResult) => string;
}


function throughputMeasures(results: readonly LevelResult[]): Measure[] {
  const acks = results.some((r) => r.ackLatencyMs !== null);
  return [
    { label: 'msg/s', value: (r) => withInterval(fmtInt(r.msgsPerSec), r.msgsPerSecCi95, fmtInt) },
    { label: 'MB/s', value: (r) => (r.bytesPerSec / 1e6).toFixed(2) },
    { label: 'sent msgs', value: (r) => fmtInt(r.sent) },
    { label: 'received msgs', value: (r) => fmtInt(r.received) },
    { label: 'missing msgs', value: (r) => fmtInt(r.lost) },
    { label: 'duplicate msgs', value: (r) => fmtInt(r.duplicated) },
    { label: 'reordered msgs', value: (r) => fmtInt(r.reordered) },
    ...(acks
      ? [
          { label: 'ack p50 ms', value: (r: LevelResult) => (r.ackLatencyMs === null ? '-' : fmtMs(r.ackLatencyMs.p50)) },
          { label: 'ack p99 ms', value: (r: LevelResult) => (r.ackLatencyMs === null ? '-' : fmtMs(r.ackLatencyMs.p99)) },
        ]
      : []),
  ];
}

function latencyMeasures(): Measure[] {
  const at = (p: 'p50' | 'p90' | 'p99' | 'p999') => (r: LevelResult) => (r.received === 0 ? '-' : withInterval(fmtMs(r.latencyMs[p]), r.latencyMsCi95[p], fmtMs));
  return [
    { label: 'p50 ms', value: at('p50') },
    { label: 'p90 ms', value: at('p90') },
    { label: 'p99 ms', value: at('p99') },
    { label: 'p99.9 ms', value: at('p999') },
    { label: 'max ms', value: (r) => (r.received === 0 ? '-' : fmtMs(r.latencyMs.max)) },
  ];
}

export type Layout = 'rows' | 'columns' | 'lines';

/**
 * A grid in the widest layout that fits `columns` (undefined: no limit): a row per item; else
 * transposed, a column per item; else a line per figure. Each row's first cell names its item,
 * after the first heading ("QoS" + "1" → "QoS 1").
 */
export function layoutGrid(head: readonly string[], rows: ReadonlyArray<readonly string[]>, columns: number | undefined, Table: TableClass, style: RenderStyle): { text: string; layout: Layout } {
  const table = (h: readonly string[], body: ReadonlyArray<readonly string[]>): string => {
    const t = new Table({ head: h.map(style.bold), style: { head: [], border: [] }, colAligns: ['left', ...h.slice(1).map(() => 'right' as const)], chars: COMPACT });
    for (const r of body) t.push([...r]);
    return t.toString();
  };
  const wide = table(head, rows);
  if (columns === undefined || widest(wide) <= columns) return { text: wide, layout: 'rows' };
  const name = (r: readonly string[]): string => `${head[0] ?? ''} ${r[0] ?? ''}`.trim();
  const tall = table(['', ...rows.map(name)], head.slice(1).map((h, i) => [h, ...rows.map((r) => r[i + 1] ?? '')]));
  if (widest(tall) <= columns) return { text: tall, layout: 'columns' };
  const lines = rows.flatMap((r) => [style.bold(name(r)), ...head.slice(1).map((h, i) => `  ${h}: ${r[i + 1] ?? ''}`)]);
  return { text: lines.join('\n'), layout: 'lines' };
}

export const renderGrid = (head: readonly string[], rows: ReadonlyArray<readonly string[]>, columns: number | undefined, Table: TableClass, style: RenderStyle): string => layoutGrid(head, rows, columns, Table, style).text;

/** One table of levels in the widest layout that fits `columns`. */
export function renderTable(results: readonly LevelResult[], measures: readonly Measure[], columns: number | undefined, Table: TableClass, style: RenderStyle): { text: string; layout: Layout } {
  return layoutGrid(['QoS', ...measures.map((m) => m.label)], results.map((r) => [qosLabel(r), ...measures.map((m) => m.value(r))]), columns, Table, style);
}

const ms = (x: number): string => `${fmtMs(x)} ms`;

/** Why an interval is missing, or how many trials would resolve what it leaves open. */
function precision(c: Comparison, estimate: number, ci: Interval | null, none: number): string {
  if (ci === null) return c.rounds === 1 ? 'one round: no interval' : `${c.rounds} rounds: an interval needs 6`;
  const more = trialsToResolve(c.rounds, estimate, ci, none);
  return more === undefined || more > 200 ? 'a smaller difference would not show at this precision' : `about ${more} trials could resolve it`;
}

function throughputSentence(c: Comparison): string {
  const name = `QoS ${c.qos}`;
  const ci = c.throughputRatioCi95;
  const interval = ci === null ? '' : `, 95 % interval ${fmtRatio(ci[0])}–${fmtRatio(ci[1])} over ${c.rounds} rounds`;
  if (c.verdict !== 'no measurable difference') return `${name} is ${c.verdict} than QoS 0: ${fmtRatio(c.throughputRatio)} its throughput${interval}.`;
  return `${name}: no measurable throughput difference from QoS 0: ${fmtRatio(c.throughputRatio)}${interval}; ${precision(c, c.throughputRatio, ci, 1)}.`;
}

function latencyPhrase(c: Comparison, at: 'p50' | 'p99'): string | undefined {
  const value = at === 'p50' ? c.p50DeltaMs : c.p99DeltaMs;
  const ci = at === 'p50' ? c.p50DeltaMsCi95 : c.p99DeltaMsCi95;
  const verdict = at === 'p50' ? c.p50Verdict : c.p99Verdict;
  if (value === null) return undefined;
  const interval = ci === null ? ` (${precision(c, value, ci, 0)})` : ` (${fmtSignedMs(ci[0])} to ${fmtSignedMs(ci[1])} ms)`;
  if (verdict === 'higher') return `adds ${ms(value)} at ${at}${interval}`;
  if (verdict === 'lower') return `takes ${ms(-value)} less at ${at}${interval}`;
  return `no measurable difference at ${at}: ${fmtSignedMs(value)} ms${interval}`;
}

/**
 * The overhead of each level against QoS 0 in words, a verdict only where the interval excludes
 * no difference: "QoS 2 is slower than QoS 0: 0.42x its throughput, 95 % interval 0.40x–0.44x over
 * 6 rounds." then "At 5,000 msg/s, against QoS 0: adds 1.30 ms at p50 (+1.1 to +1.5 ms), ...".
 */
export function overheadLines(report: Pick<BenchReport, 'comparisons' | 'latencyPass'>): string[] {
  const where = report.latencyPass === null ? 'At saturation (mostly queueing, not the protocol)' : `At ${fmtInt(report.latencyPass.rate)} msg/s`;
  return report.comparisons.flatMap((c) => {
    const latency = [latencyPhrase(c, 'p50'), latencyPhrase(c, 'p99')].filter((x): x is string => x !== undefined);
    return [throughputSentence(c), ...(latency.length === 0 ? [] : [`${where}, QoS ${c.qos} against QoS 0: ${latency.join('; ')}.`])];
  });
}

/** "1 publisher, 1 subscriber, 64-byte payloads, 6 trials of 1.5 s per QoS, in-flight window 1000 (200 at QoS 2)". */
export function parametersLine(p: BenchReport['parameters'], window: string): string {
  const trials = Number(p['trials'] ?? 1);
  const each = p['messages'] !== undefined ? `${fmtInt(Number(p['messages']))} messages` : `${String(p['durationSec'])} s`;
  const amount = trials === 1 ? `${each} per QoS` : `${trials} trials of ${each} per QoS`;
  const pace =
    p['publishIntervalMs'] !== undefined
      ? `each publisher one message every ${fmtInt(Number(p['publishIntervalMs']))} ms`
      : p['rate'] !== undefined
        ? `fixed rate ${fmtInt(Number(p['rate']))} msg/s`
        : `in-flight window ${window}`;
  const shard = p['shard'] !== undefined ? ` (shard ${String(p['shard'])}, publishers from number ${fmtInt(Number(p['numberOffset'] ?? 0))})` : '';
  const filter = p['subscribeFilter'] !== undefined ? ` on '${String(p['subscribeFilter'])}'` : '';
  return `${plural(Number(p['publishers']), 'publisher')}${shard}, ${plural(Number(p['subscribers']), 'subscriber')}${filter}, ${String(p['size'])}-byte payloads, ${amount}, ${pace}`;
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

/** "during the saturation trials (median): busiest load-generator thread 62% busy, broker 0.97 cores, other processes 0.01 cores". */
export function machineLine(levels: readonly LevelResult[]): string | undefined {
  const trials = levels.flatMap((l) => l.trials);
  const figure = (pick: (t: LevelResult['trials'][number]) => number | null): number | undefined => {
    const xs = trials.map(pick).filter((x): x is number => x !== null);
    return xs.length === 0 ? undefined : median(xs);
  };
  const busiest = figure((t) => t.busiestThread);
  const broker = figure((t) => t.brokerCores);
  const other = figure((t) => t.otherCores);
  const parts = [
    ...(busiest === undefined ? [] : [`busiest load-generator thread ${Math.round(busiest * 100)}% busy`]),
    ...(broker === undefined ? [] : [`broker ${broker.toFixed(2)} cores`]),
    ...(other === undefined ? [] : [`other processes ${other.toFixed(2)} cores`]),
  ];
  return parts.length === 0 ? undefined : `during the saturation trials (median): ${parts.join(', ')}`;
}

/** What paced the throughput pass: the window, a fixed total rate, or each publisher's interval. */
export function throughputTitle(p: BenchReport['parameters']): string {
  if (p['publishIntervalMs'] !== undefined) return `Throughput with each publisher sending every ${fmtInt(Number(p['publishIntervalMs']))} ms`;
  if (p['rate'] !== undefined) return `Throughput at a fixed ${fmtInt(Number(p['rate']))} msg/s`;
  return 'Throughput: as fast as the in-flight window allows';
}

/** "QoS 1, received per subscriber: 3,334 / 3,333 / 3,333": how a shared group (or a slow subscriber) split the traffic. */
export function subscriberLines(levels: readonly LevelResult[]): string[] {
  return levels
    .filter((l) => l.receivedBySubscriber.length > 1)
    .map((l) => {
      const xs = l.receivedBySubscriber;
      const figures = xs.length <= 6 ? xs.map(fmtInt).join(' / ') : `min ${fmtInt(Math.min(...xs))}, median ${fmtInt(median(xs))}, max ${fmtInt(Math.max(...xs))} over ${xs.length} subscribers`;
      return `QoS ${l.qos}, received per subscriber: ${figures}`;
    });
}

export function renderReport({ report, header, window, columns, Table, style }: RenderInput): string {
  const p = report.parameters;
  const lines = [fitWords(header, columns), fitWords(parametersLine(p, window), columns), ''];
  if (report.results.length > 0) {
    lines.push(style.bold(throughputTitle(p)));
    lines.push(renderTable(report.results, throughputMeasures(report.results), columns, Table, style).text, '');
    const pass = report.latencyPass;
    const latencyResults = pass?.results ?? report.results;
    if (latencyResults.some((r) => r.received > 0)) {
      const title =
        pass !== null
          ? `Latency at ${fmtInt(pass.rate)} msg/s for every level (end to end, from the intended send time)`
          : p['rate'] !== undefined || p['publishIntervalMs'] !== undefined
            ? 'Latency (end to end, from the intended send time)'
            : 'Latency at saturation (end to end; mostly queueing: see --latency-rate)';
      lines.push(style.bold(fitWords(title, columns)), renderTable(latencyResults, latencyMeasures(), columns, Table, style).text, '');
    }
    for (const s of subscriberLines(report.results)) lines.push(fitWords(s, columns));
    for (const o of overheadLines(report)) lines.push(fitWords(o, columns));
  }
  if (report.clientCpu !== null) {
    const c = report.clientCpu;
    lines.push(fitWords(`load generator CPU: ${c.userSec} s user, ${c.systemSec} s system (${Math.round(c.utilization * 100)}% of ${report.environment.cpus} cores)`, columns));
  }
  const machine = machineLine(report.results);
  if (machine !== undefined) lines.push(fitWords(machine, columns));
  if (report.interrupted) lines.push('interrupted: partial results');
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

const fmtMb = (bytes: number): string => `${Math.round(bytes / 1e6)} MB`;
const fmtKb = (bytes: number): string => `${(bytes / 1e3).toFixed(1)} KB`;

/** A --connections report for a person: the counts, the connect times, failures and drops by reason, memory and load. */
export function renderConnections(r: ConnectionReport): string {
  const c = r.connections;
  const lines = [
    `mqtt-tool bench --connections: ${r.environment.broker}`,
    `attempted ${c.attempted}, connected ${c.connected}, failed ${c.attempted - c.connected} in ${c.durationSec.toFixed(2)} s`,
    `connect time ms: p50 ${c.connectMs.p50}  p90 ${c.connectMs.p90}  p99 ${c.connectMs.p99}  max ${c.connectMs.max}`,
    ...Object.entries(c.failures).map(([reason, n]) => `  ${n} x ${reason}`),
    ...(Object.keys(c.dropped).length === 0 ? [] : ['dropped while held:', ...Object.entries(c.dropped).map(([reason, n]) => `  ${n} x ${reason}`)]),
    `${c.mode === 'held' ? 'held connections (a socket each)' : 'full clients (TLS, WebSocket or SOCKS)'}; load generator peak memory ${fmtMb(r.peakRssBytes)}${c.connected > 0 ? `, ${fmtKb(r.peakRssBytes / c.connected)} per connection` : ''}`,
    `during the storm: the connecting thread ${Math.round(c.clientBusy * 100)}% busy${c.brokerCores === null ? '' : `, the broker ${c.brokerCores.toFixed(2)} cores`}`,
  ];
  return `${lines.join('\n')}\n`;
}
