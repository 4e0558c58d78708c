/**
 * `bench compare` for a person: the two runs named, a throughput table and a latency table of B
 * against A, and one sentence per figure that has a verdict or needs more trials. Pure: the
 * comparison and the terminal width in, text out (the table class is passed in).
 */
import { trialsToResolve, type Interval } from './intervals.js';
import type { LatencyChange, RunComparison, RunRef, ThroughputChange } from './compare.js';
import { fmtInt, fmtMs, fmtRange, fmtRatio, fmtSignedMs } from './report.js';
import { renderGrid, type RenderStyle, type TableClass } from './render.js';
import { wrap } from '../io/width.js';


const runLine = (name: string, r: RunRef): string => `${name}: ${r.file} (${r.broker}, ${r.startedAt}, ${r.trials} trial${r.trials === 1 ? '' : 's'} per level${r.schemaVersion < 3 ? `, schema ${r.schemaVersion}` : ''})`;

/** Why there is no verdict, with how many trials would give one. */
function openEnded(trials: number, estimate: number, ci: Interval | null, none: number): string {
  if (ci === null) return 'too few trials for an interval';
  const more = trialsToResolve(trials, estimate, ci, none);
  return more === undefined || more > 200 ? 'a smaller difference would not show at this precision' : `about ${more} trials per run could resolve it`;
}

function throughputSentence(c: ThroughputChange, trials: number): string {
  const ci = ` (95 % interval ${fmtRange(c.ratioCi95, fmtRatio)})`;
  if (c.verdict === 'no measurable difference') return `QoS ${c.qos}: no measurable throughput difference: B at ${fmtRatio(c.ratio)} A${ci}; ${openEnded(trials, c.ratio, c.ratioCi95, 1)}.`;
  return `QoS ${c.qos}: B is ${c.verdict}: ${fmtRatio(c.ratio)} A's throughput${ci}.`;
}

function latencySentence(c: LatencyChange, trials: number): string {
  const part = (at: 'p50' | 'p99'): string => {
    const d = at === 'p50' ? c.p50DeltaMs : c.p99DeltaMs;
    const ci = at === 'p50' ? c.p50DeltaMsCi95 : c.p99DeltaMsCi95;
    const v = at === 'p50' ? c.p50Verdict : c.p99Verdict;
    const interval = ` (${fmtRange(ci, fmtSignedMs)} ms)`;
    if (v === 'higher') return `B adds ${fmtMs(d)} ms at ${at}${interval}`;
    if (v === 'lower') return `B takes ${fmtMs(-d)} ms less at ${at}${interval}`;
    return `no measurable difference at ${at}: ${fmtSignedMs(d)} ms${interval}, ${openEnded(trials, d, ci, 0)}`;
  };
  return `QoS ${c.qos} latency: ${part('p50')}; ${part('p99')}.`;
}

export interface CompareRenderInput {
  readonly comparison: RunComparison;
  readonly columns: number | undefined;
  readonly Table: TableClass;
  readonly style: RenderStyle;
}

export function renderComparison({ comparison: c, columns, Table, style }: CompareRenderInput): string {
  const fit = (line: string): string => wrap(line, 2, 0, columns);
  const trials = Math.min(c.a.trials, c.b.trials);
  const lines = ['mqtt-tool bench compare: B against A', fit(runLine('A', c.a)), fit(runLine('B', c.b)), ''];
  lines.push(style.bold('Throughput (msg/s, median over trials)'));
  lines.push(
    renderGrid(
      ['QoS', 'A', 'B', 'B / A (95 % interval)', 'verdict'],
      c.throughput.map((t) => [String(t.qos), fmtInt(t.a), fmtInt(t.b), `${fmtRatio(t.ratio)} (${fmtRange(t.ratioCi95, fmtRatio)})`, t.verdict]),
      columns,
      Table,
      style,
    ),
    '',
  );
  if (c.latencyFrom !== null && c.latency.length > 0) {
    const where = c.latencyFrom.pass === 'equal-rate' ? `at ${fmtInt(c.latencyFrom.rate)} msg/s for every level` : 'at saturation (mostly queueing)';
    lines.push(style.bold(fit(`Latency ${where} (ms, B minus A)`)));
    lines.push(
      renderGrid(
        ['QoS', 'p50 A', 'p50 B', 'p50 B − A', 'p99 A', 'p99 B', 'p99 B − A'],
        c.latency.map((l) => [String(l.qos), fmtMs(l.p50A), fmtMs(l.p50B), `${fmtSignedMs(l.p50DeltaMs)} (${fmtRange(l.p50DeltaMsCi95, fmtSignedMs)})`, fmtMs(l.p99A), fmtMs(l.p99B), `${fmtSignedMs(l.p99DeltaMs)} (${fmtRange(l.p99DeltaMsCi95, fmtSignedMs)})`]),
        columns,
        Table,
        style,
      ),
      '',
    );
  }
  for (const t of c.throughput) lines.push(fit(throughputSentence(t, trials)));
  for (const l of c.latency) lines.push(fit(latencySentence(l, trials)));
  for (const n of c.notes) lines.push(fit(`note: ${n}`));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
