/** `bench merge` and `bench compare`: saved reports (any schema) read, combined or set side by side. */
import { readFileSync } from 'node:fs';
import { createTerminal } from '../io/terminal.js';
import { loadBundle } from '../lazy.js';
import { UsageError } from '../errors.js';
import { SCHEMA_VERSION, type BenchReport } from '../bench/report.js';
import { readReport } from '../bench/read-report.js';
import { compareWithQos0, mergeLevels } from '../bench/levels.js';
import { warningsFor } from '../bench/warnings.js';
import { compareRuns, incomparable } from '../bench/compare.js';
import { renderComparison } from '../bench/compare-render.js';
import { renderComparisonHtml } from '../bench/compare-html.js';
import type { TableClass } from '../bench/render.js';
import { DEFAULT_DRAIN_S, outputColumns, render, writeHtml, writeOutput } from './bench.js';

interface ReportFlags {
  json?: boolean;
  html?: string;
  color: boolean;
}

function readOne(file: string): BenchReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const read = readReport(text);
  if (!read.ok) throw new UsageError(`'${file}' is not a bench report: ${read.why}`, { hint: 'Give the JSON written by mqtt-tool bench --json or --out.' });
  return read.report;
}

/** `bench merge a.json b.json ...`: runs made at the same time on several load generators; the same round of each is one trial. */
export async function runBenchMerge(files: string[], flags: ReportFlags): Promise<void> {
  const term = createTerminal(flags.color);
  if (files.length === 0) throw new UsageError('bench merge needs at least one JSON report (from bench --json or --out)');
  const reports = files.map(readOne);
  const results = mergeLevels(reports.map((r) => r.results));
  // The merged report has an equal-rate pass only when every run had one at the same rate.
  const passes = reports.map((r) => r.latencyPass);
  const rates = new Set(passes.map((l) => l?.rate));
  const latencyPass: BenchReport['latencyPass'] =
    passes.every((l) => l !== null) && rates.size === 1 ? { rate: (passes[0] as { rate: number }).rate * reports.length, results: mergeLevels(passes.map((l) => (l as { results: BenchReport['results'] }).results)) } : null;
  const first = reports[0] as BenchReport;
  const trials = Math.min(...results.map((l) => l.trials.length));
  const comparisons = compareWithQos0(results, latencyPass?.results ?? null);
  const merged: BenchReport = {
    ...first,
    startedAt: reports.map((r) => r.startedAt).sort()[0] as string,
    interrupted: reports.some((r) => r.interrupted),
    parameters: { ...first.parameters, trials, mergedFrom: files.length, publishers: reports.reduce((t, r) => t + Number(r.parameters['publishers'] ?? 0), 0) },
    schemaVersion: SCHEMA_VERSION,
    results,
    latencyPass,
    comparisons,
    clientCpu: null,
    warnings: warningsFor({ saturation: results, equalRate: latencyPass?.results ?? [], clientCpu: null, embedded: first.environment.embedded, drainSec: Number(first.parameters['drainSec'] ?? DEFAULT_DRAIN_S), trials, comparisons }),
  };
  if (flags.html !== undefined) {
    writeHtml(flags.html, merged);
    term.notice(`wrote the HTML page: ${flags.html}`);
  }
  process.stdout.write(flags.json === true ? `${JSON.stringify(merged, null, 2)}\n` : await render(term, merged));
}

/** `bench compare A B`: exit 0 when compared, 2 (usage) when the runs are not comparable. */
export async function runBenchCompare(fileA: string, fileB: string, flags: ReportFlags): Promise<void> {
  const term = createTerminal(flags.color);
  const a = readOne(fileA);
  const b = readOne(fileB);
  const why = incomparable(a, b);
  if (why !== undefined) throw new UsageError(`cannot compare '${fileA}' and '${fileB}': ${why}`);
  const comparison = compareRuns(fileA, a, fileB, b);
  if (flags.html !== undefined) {
    writeOutput('--html', flags.html, renderComparisonHtml(comparison, a, b));
    term.notice(`wrote the HTML page: ${flags.html}`);
  }
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
    return;
  }
  const esm = loadBundle<typeof import('../esm-import.js')>('esm-import');
  const { default: Table } = await esm.importModule<{ default: TableClass }>('cli-table3');
  process.stdout.write(renderComparison({ comparison, columns: outputColumns(), Table, style: { bold: (s) => term.out.bold(s) } }));
}
