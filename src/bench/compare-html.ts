/**
 * `bench compare --html FILE`: the two runs side by side on one self-contained page: per level
 * A's and B's throughput with their intervals and trials, and the tables of ratios and verdicts.
 * Pure: the comparison and the two reports in, the page out.
 */
import type { RunComparison } from './compare.js';
import { barChart, COLORS, esc, page, type Bar } from './html.js';
import { fmtInt, fmtMs, fmtRange, fmtRatio, fmtSignedMs, type BenchReport } from './report.js';

/** B's bars are the level's colour, lighter. */
const LIGHTER = '88';

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return `<table class="results"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderComparisonHtml(c: RunComparison, a: BenchReport, b: BenchReport): string {
  const bars: Bar[] = c.throughput.flatMap((t) => {
    const la = a.results.find((l) => l.qos === t.qos);
    const lb = b.results.find((l) => l.qos === t.qos);
    if (la === undefined || lb === undefined) return [];
    return [
      { name: `A QoS ${t.qos}`, qos: t.qos, value: la.msgsPerSec, interval: la.msgsPerSecCi95, trials: la.trials.map((x) => x.msgsPerSec) },
      { name: `B QoS ${t.qos}`, qos: t.qos, value: lb.msgsPerSec, interval: lb.msgsPerSecCi95, trials: lb.trials.map((x) => x.msgsPerSec), fill: `${COLORS[t.qos]}${LIGHTER}` },
    ];
  });
  const runs = table(
    ['run', 'file', 'broker', 'started', 'trials per level'],
    [
      ['A', c.a.file, c.a.broker, c.a.startedAt, String(c.a.trials)],
      ['B', c.b.file, c.b.broker, c.b.startedAt, String(c.b.trials)],
    ],
  );
  const throughput = table(
    ['QoS', 'A msg/s', 'B msg/s', 'B / A', '95 % interval', 'verdict'],
    c.throughput.map((t) => [String(t.qos), fmtInt(t.a), fmtInt(t.b), fmtRatio(t.ratio), fmtRange(t.ratioCi95, fmtRatio), t.verdict]),
  );
  const where = c.latencyFrom === null ? '' : c.latencyFrom.pass === 'equal-rate' ? `at ${fmtInt(c.latencyFrom.rate)} msg/s for every level` : 'at saturation (mostly queueing)';
  const latency =
    c.latency.length === 0
      ? ''
      : `<h2>Latency ${esc(where)} (ms, B minus A)</h2>${table(
          ['QoS', 'p50 A', 'p50 B', 'p50 B − A', 'p50 verdict', 'p99 A', 'p99 B', 'p99 B − A', 'p99 verdict'],
          c.latency.map((l) => [String(l.qos), fmtMs(l.p50A), fmtMs(l.p50B), `${fmtSignedMs(l.p50DeltaMs)} (${fmtRange(l.p50DeltaMsCi95, fmtSignedMs)})`, l.p50Verdict, fmtMs(l.p99A), fmtMs(l.p99B), `${fmtSignedMs(l.p99DeltaMs)} (${fmtRange(l.p99DeltaMsCi95, fmtSignedMs)})`, l.p99Verdict]),
        )}`;
  return page(
    `mqtt-tool bench compare: ${c.b.broker} (B) against ${c.a.broker} (A)`,
    `${runs}
${barChart('throughput', 'Throughput per QoS, A then B: median of the trials, whisker = 95 % interval, dots = trials', 'msg/s', bars, fmtInt)}
<h2>Throughput (B against A)</h2>${throughput}
${latency}
${c.notes.map((n) => `<p class="warn">note: ${esc(n)}</p>`).join('\n')}`,
  );
}
