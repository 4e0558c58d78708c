/**
 * `bench --html FILE`: one self-contained page (no script, no network) with the throughput per QoS
 * and, for the equal-rate and the saturation pass, the latency percentile distribution per QoS on a
 * logarithmic percentile axis, as the HdrHistogram plotter draws it. The SVG is drawn here: three
 * curves and a few bars do not need a charting library, and the page stays a few kilobytes that
 * open anywhere. Pure: the report in, the page out.
 */
import type { Interval } from './intervals.js';
import type { LevelResult } from './levels.js';
import { fmtInt, fmtMs, qosLabel, windowText, withInterval, type BenchReport } from './report.js';
import { decodeHistogram, type QosResult } from './stats.js';

export const COLORS = ['#1f77b4', '#e6550d', '#2ca02c'] as const;
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** The width of a character of the charts' 12 px labels, a generous estimate: a label is never clipped. */
const LABEL_CHAR_PX = 7.5;
const qosName = (r: QosResult): string => `QoS ${qosLabel(r)}`;

/** x = -log10(1 - p): 0 at the median's left edge, 1 at 90 %, 2 at 99 %, ... */
const MAX_NINES = 5;
const PERCENTILE_TICKS: Array<[number, string]> = [
  [Math.log10(2), '50%'],
  [1, '90%'],
  [2, '99%'],
  [3, '99.9%'],
  [4, '99.99%'],
  [5, '99.999%'],
];

export interface Point {
  /** -log10(1 - percentile/100). */
  readonly x: number;
  /** Latency in milliseconds. */
  readonly ms: number;
}

/** The latency percentile curve of one result, from its HDR histogram. */
export function percentileCurve(r: QosResult): Point[] {
  const h = decodeHistogram(r.histogram);
  if (h.totalCount === 0) return [];
  // No point beyond the last sample's percentile: with n samples the curve ends at 1 - 1/n.
  const last = Math.min(MAX_NINES, Math.log10(h.totalCount));
  const points: Point[] = [];
  for (let x = 0; x <= last + 1e-9; x += 0.05) points.push({ x, ms: h.getValueAtPercentile(100 * (1 - 10 ** -x)) / 1000 });
  points.push({ x: last, ms: h.maxValue / 1000 });
  return points;
}

/** Round axis steps: 1, 2 or 5 times a power of ten, about five of them up to `max`. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  const ticks: number[] = [];
  for (let v = 0; v < max + step - 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export const W = 720;
const H = 360;
export const PAD = { left: 64, right: 44, top: 24, bottom: 48 };

function latencyChart(title: string, results: readonly QosResult[], id: string): string {
  const curves = results.map((r) => ({ r, points: percentileCurve(r) })).filter((c) => c.points.length > 0);
  if (curves.length === 0) return '';
  const maxMs = Math.max(...curves.flatMap((c) => c.points.map((p) => p.ms)));
  const yTicks = niceTicks(maxMs);
  const yMax = yTicks.at(-1) as number;
  const xMax = Math.max(2, Math.ceil(Math.max(...curves.map((c) => (c.points.at(-1) as Point).x))));
  const px = (x: number): number => PAD.left + (x / xMax) * (W - PAD.left - PAD.right);
  const py = (ms: number): number => H - PAD.bottom - (ms / yMax) * (H - PAD.top - PAD.bottom);
  const grid = [
    ...yTicks.map((t) => `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}"/><text class="tick" x="${PAD.left - 8}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`),
    ...PERCENTILE_TICKS.filter(([x]) => x <= xMax).map(
      ([x, label]) => `<line class="grid" x1="${px(x).toFixed(1)}" x2="${px(x).toFixed(1)}" y1="${PAD.top}" y2="${H - PAD.bottom}"/><text class="tick" x="${px(x).toFixed(1)}" y="${H - PAD.bottom + 18}" text-anchor="middle">${label}</text>`,
    ),
  ].join('');
  const paths = curves
    .map(({ r, points }) => {
      const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.ms).toFixed(1)}`).join('');
      return `<path class="curve" data-qos="${r.qos}" d="${d}" stroke="${COLORS[r.qos]}"><title>${esc(qosName(r))}: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, p99.9 ${r.latencyMs.p999} ms, max ${r.latencyMs.max} ms</title></path>`;
    })
    .join('');
  const legend = curves
    .map(({ r }, i) => `<g transform="translate(${PAD.left + 12},${PAD.top + 8 + i * 18})"><rect width="14" height="4" y="-6" fill="${COLORS[r.qos]}"/><text x="20" y="0">${esc(qosName(r))}</text></g>`)
    .join('');
  return `<figure id="${id}"><figcaption>${esc(title)}</figcaption>
<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${grid}
<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}"/><line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}"/>
<text class="label" x="${(W + PAD.left) / 2}" y="${H - 8}" text-anchor="middle">percentile</text>
<text class="label" transform="translate(16,${(H - PAD.bottom + PAD.top) / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>
${paths}${legend}</svg></figure>`;
}

/** One bar of a level: the median as the bar, its 95 % interval as a whisker, each trial as a dot. */
export interface Bar {
  readonly name: string;
  readonly qos: number;
  readonly value: number;
  readonly interval: Interval | null;
  readonly trials: readonly number[];
  /** Fill colour; the level's colour when absent. */
  readonly fill?: string;
}

/** Horizontal bars on one axis from 0, with whiskers and trial dots; labels never clipped. */
export function barChart(id: string, caption: string, unit: string, bars: readonly Bar[], format: (n: number) => string): string {
  const max = Math.max(...bars.flatMap((b) => [b.value, ...(b.interval ?? []), ...b.trials]), 1);
  const ticks = niceTicks(max);
  const top = ticks.at(-1) as number;
  const rowH = 40;
  const height = PAD.top + bars.length * rowH + PAD.bottom;
  const px = (v: number): number => PAD.left + 40 + (v / top) * (W - PAD.left - 40 - PAD.right);
  const drawn = bars
    .map((b, i) => {
      const y = PAD.top + i * rowH + 8;
      const label = `${b.value > 0 ? format(b.value) : '-'} ${unit}`;
      const end = px(b.value);
      // A label that would run past the chart's edge goes inside its bar instead of being clipped.
      const outside = Math.max(end, px(b.interval?.[1] ?? 0)) + 6 + label.length * LABEL_CHAR_PX <= W;
      const labelX = outside ? Math.max(end, px(b.interval?.[1] ?? 0)) + 6 : end - 6;
      const text = outside ? `<text x="${labelX.toFixed(1)}" y="${y + 17}">${label}</text>` : `<text x="${labelX.toFixed(1)}" y="${y + 17}" text-anchor="end" fill="#fff">${label}</text>`;
      const whisker =
        b.interval === null
          ? ''
          : `<g class="whisker"><title>95 % interval ${format(b.interval[0])}–${format(b.interval[1])} ${unit}</title><line x1="${px(b.interval[0]).toFixed(1)}" x2="${px(b.interval[1]).toFixed(1)}" y1="${y + 12}" y2="${y + 12}"/><line x1="${px(b.interval[0]).toFixed(1)}" x2="${px(b.interval[0]).toFixed(1)}" y1="${y + 5}" y2="${y + 19}"/><line x1="${px(b.interval[1]).toFixed(1)}" x2="${px(b.interval[1]).toFixed(1)}" y1="${y + 5}" y2="${y + 19}"/></g>`;
      const dots = b.trials.map((t, k) => `<circle class="trial" cx="${px(t).toFixed(1)}" cy="${y + 12}" r="3"><title>trial ${k + 1}: ${format(t)} ${unit}</title></circle>`).join('');
      return `<g class="bar" data-qos="${b.qos}"><text x="${PAD.left + 32}" y="${y + 17}" text-anchor="end">${esc(b.name)}</text><rect x="${px(0)}" y="${y}" width="${(end - px(0)).toFixed(1)}" height="24" fill="${b.fill ?? COLORS[b.qos]}"/>${whisker}${dots}${text}</g>`;
    })
    .join('');
  const grid = ticks
    .map((t) => `<line class="grid" x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${PAD.top}" y2="${height - PAD.bottom}"/><text class="tick" x="${px(t).toFixed(1)}" y="${height - PAD.bottom + 18}" text-anchor="middle">${format(t)}</text>`)
    .join('');
  return `<figure id="${id}"><figcaption>${esc(caption)}</figcaption>
<svg viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(caption)}">${grid}${drawn}
<text class="label" x="${(W + PAD.left) / 2}" y="${height - 8}" text-anchor="middle">${esc(unit)}</text></svg></figure>`;
}

function throughputChart(results: readonly LevelResult[]): string {
  const bars = results.map((r) => ({ name: qosName(r), qos: r.qos, value: r.msgsPerSec, interval: r.msgsPerSecCi95, trials: r.trials.length > 1 ? r.trials.map((t) => t.msgsPerSec) : [] }));
  const caption = `Throughput per QoS (messages per second delivered end to end, as fast as the in-flight window allows)${results.some((r) => r.trials.length > 1) ? ': median of the trials, whisker = 95 % interval, dots = trials' : ''}`;
  return barChart('throughput', caption, 'msg/s', bars, fmtInt);
}

/** p50 and p99 per level over the trials, with whiskers and dots: how steady the latency was. */
function latencySpreadChart(results: readonly LevelResult[], where: string): string {
  const measured = results.filter((r) => r.received > 0 && r.trials.length > 1);
  if (measured.length === 0) return '';
  const bars = measured.flatMap((r) =>
    (['p50', 'p99'] as const).map((p) => ({ name: `${qosName(r)} ${p}`, qos: r.qos, value: r.latencyMs[p], interval: r.latencyMsCi95[p], trials: r.trials.filter((t) => t.latencyMs.count > 0).map((t) => t.latencyMs[p]), fill: p === 'p50' ? COLORS[r.qos] : `${COLORS[r.qos]}99` })),
  );
  return barChart('latency-trials', `p50 and p99 latency per trial ${where}: median, whisker = 95 % interval, dots = trials`, 'ms', bars, fmtMs);
}

function parameterRows(report: BenchReport): Array<[string, string]> {
  const p = report.parameters;
  const e = report.environment;
  const cpu = report.clientCpu;
  return [
    ['broker', `${e.broker}${e.embedded ? ' (embedded)' : ''}`],
    ['protocol', e.protocolVersion === 5 ? 'MQTT 5' : e.protocolVersion === 4 ? 'MQTT 3.1.1' : 'MQTT 3.1'],
    ['started', report.startedAt],
    ['publishers / subscribers', `${String(p['publishers'])} / ${String(p['subscribers'])}`],
    ['payload', `${String(p['size'])} bytes`],
    ['trials', `${String(p['trials'] ?? 1)} per level, in rounds whose order rotates`],
    ['amount', p['messages'] !== undefined ? `${fmtInt(Number(p['messages']))} messages per QoS per trial (saturation pass)` : `${String(p['durationSec'])} s per QoS per trial (saturation pass)`],
    ['pace', p['publishIntervalMs'] !== undefined ? `each publisher every ${fmtInt(Number(p['publishIntervalMs']))} ms` : p['rate'] !== undefined ? `fixed ${fmtInt(Number(p['rate']))} msg/s` : `in-flight window ${windowText(p, e.protocolVersion)}`],
    ['equal-rate pass', report.latencyPass === null ? 'none' : `${fmtInt(report.latencyPass.rate)} msg/s for every level, ${fmtInt(report.latencyPass.results[0]?.trials[0]?.sent ?? 0)} messages per QoS per trial`],
    ['load generator CPU', cpu === null ? 'not measured (merged runs)' : `${cpu.userSec} s user, ${cpu.systemSec} s system (${Math.round(cpu.utilization * 100)} % of ${e.cpus} cores)`],
    ['client', `mqtt-tool ${report.version}, Node ${e.node}, ${e.platform}`],
    ...(p['mergedFrom'] !== undefined ? [['merged from', `${String(p['mergedFrom'])} load generators`] as [string, string]] : []),
  ];
}

function resultTable(results: readonly LevelResult[]): string {
  const head = ['QoS', 'msg/s', 'sent', 'received', 'missing', 'duplicates', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms'];
  const ms = (r: LevelResult, p: 'p50' | 'p99' | 'p999'): string => (r.received === 0 ? '-' : withInterval(fmtMs(r.latencyMs[p]), r.latencyMsCi95[p], fmtMs));
  const rows = results.map((r) => [qosName(r), withInterval(fmtInt(r.msgsPerSec), r.msgsPerSecCi95, fmtInt), fmtInt(r.sent), fmtInt(r.received), fmtInt(r.lost), fmtInt(r.duplicated), ms(r, 'p50'), ms(r, 'p99'), ms(r, 'p999'), r.received === 0 ? '-' : fmtMs(r.latencyMs.max)]);
  return `<table class="results"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderHtml(report: BenchReport, overhead: readonly string[]): string {
  const pass = report.latencyPass;
  const title = `mqtt-tool bench: ${report.environment.broker}`;
  const sections = [
    report.results.length > 0 ? throughputChart(report.results) : '',
    pass !== null ? latencySpreadChart(pass.results, `at ${fmtInt(pass.rate)} msg/s`) : latencySpreadChart(report.results, 'at saturation'),
    pass !== null ? latencyChart(`Latency by percentile at ${fmtInt(pass.rate)} msg/s for every level (end to end, from the intended send time)`, pass.results, 'latency-equal-rate') : '',
    latencyChart('Latency by percentile at saturation (end to end; mostly queueing)', report.results, 'latency-saturation'),
  ].filter((s) => s !== '');
  return page(
    title,
    `${overhead.map((o) => `<p class="overhead">${esc(o)}</p>`).join('\n')}
${sections.join('\n')}
<h2>Results</h2>
<h3>Saturation pass</h3>${resultTable(report.results)}
${pass !== null ? `<h3>Equal-rate pass (${fmtInt(pass.rate)} msg/s)</h3>${resultTable(pass.results)}` : ''}
<h2>Run</h2><table class="params"><tbody>${parameterRows(report).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>
${report.warnings.map((w) => `<p class="warn">warning (${esc(w.code)}): ${esc(w.message)}</p>`).join('\n')}
${report.interrupted ? '<p class="warn">interrupted: partial results</p>' : ''}`,
  );
}

/** A self-contained page: its title as the heading, the body below it. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:24px auto;max-width:${W + 40}px;padding:0 20px}
h1{font-size:20px;margin:0 0 4px}p.overhead{margin:2px 0}figure{margin:24px 0}figcaption{font-weight:600;margin-bottom:6px}
svg{max-width:100%;height:auto;font-size:12px}.grid{stroke:#e3e3e3}.axis{stroke:#555}.tick{fill:#555}.label{fill:#333}
.curve{fill:none;stroke-width:2}.whisker line{stroke:#222;stroke-width:1.5}.trial{fill:#fff;fill-opacity:.85;stroke:#222}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}table.params td{text-align:left}.warn{color:#a04000}
</style></head><body>
<h1>${esc(title)}</h1>
${body}
</body></html>
`;
}
