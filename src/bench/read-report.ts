/**
 * Reading a saved bench report of any schema (1, 2 or 3) as schema 3: an older report's single
 * measurement of a level becomes that level's one trial, so merge and compare treat every report
 * alike (an older report simply has no intervals). Pure: text in, report out.
 */
import { compareWithQos0, summarizeLevel, type LevelResult, type TrialResult } from './levels.js';
import type { BenchReport } from './report.js';
import type { QosResult } from './stats.js';
import { warningsFor } from './warnings.js';

/** Why a text is not a throughput report, in words; or the report. */
export type ReadOutcome = { ok: true; report: BenchReport } | { ok: false; why: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** One measurement as a schema 3 trial: fields a report has not got yet (older schemas, early schema 3) take their empty value. */
function asTrial(r: QosResult & Partial<TrialResult>, round: number): TrialResult {
  return {
    ...r,
    receivedBySubscriber: r.receivedBySubscriber ?? [],
    stray: r.stray ?? 0,
    disconnectReasons: r.disconnectReasons ?? [],
    grantedQos: r.grantedQos ?? r.qos,
    unacknowledged: r.unacknowledged ?? 0,
    round: r.round ?? round,
    busiestThread: r.busiestThread ?? null,
    otherCores: r.otherCores ?? null,
    steal: r.steal ?? null,
    brokerCores: r.brokerCores ?? null,
  };
}

function upgradeLevel(r: QosResult & Partial<LevelResult>): LevelResult {
  if (Array.isArray(r.trials) && r.trials.length > 0) return summarizeLevel(r.trials.map((t, i) => asTrial(t, i + 1)));
  return summarizeLevel([asTrial(r, 1)]);
}

export function readReport(text: string): ReadOutcome {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, why: 'it is not JSON' };
  }
  if (!isObject(doc) || doc['tool'] !== 'mqtt-tool') return { ok: false, why: 'it is not a report of mqtt-tool bench' };
  if (doc['kind'] === 'connections') return { ok: false, why: 'it is a --connections report, which has no throughput to merge or compare' };
  const schema = doc['schemaVersion'];
  if (typeof schema !== 'number' || schema < 1) return { ok: false, why: 'it has no schemaVersion' };
  if (schema > 3) return { ok: false, why: `its schema version ${schema} is newer than this mqtt-tool reads (1 to 3): upgrade mqtt-tool` };
  if (doc['kind'] !== 'throughput' || !Array.isArray(doc['results']) || !isObject(doc['parameters']) || !isObject(doc['environment'])) return { ok: false, why: 'it lacks the results of a throughput run' };
  const raw = doc as unknown as BenchReport & { results: Array<QosResult & Partial<LevelResult>> };
  const results = raw.results.map(upgradeLevel);
  const pass = raw.latencyPass ?? null;
  const latencyPass = pass === null ? null : { rate: pass.rate, results: (pass.results as Array<QosResult & Partial<LevelResult>>).map(upgradeLevel) };
  const trials = Math.min(...results.map((l) => l.trials.length));
  const parameters: Record<string, unknown> = { ...raw.parameters, trials };
  const comparisons = compareWithQos0(results, latencyPass?.results ?? null);
  return {
    ok: true,
    report: {
      ...raw,
      parameters,
      results,
      latencyPass,
      comparisons,
      warnings:
        schema === 3
          ? raw.warnings
          : warningsFor({ saturation: results, equalRate: latencyPass?.results ?? [], clientCpu: raw.clientCpu ?? null, embedded: raw.environment.embedded === true, drainSec: Number(parameters['drainSec'] ?? 30), trials, comparisons }),
    },
  };
}
