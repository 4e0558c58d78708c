/**
 * The `diagnose --limits` report: a table of each limit as advertised and as measured per
 * protocol version, fitting 80 columns; then each finding in words with its consequence; then
 * what the probe cost. And the JSON form. Pure.
 */
import { wrap } from '../io/width.js';
import { LABELS, LIMIT_KEYS, advertisedText, consequence, limitJson, measuredText, type LimitsRun } from './limits-model.js';

const NAME_W = 22;
const COL_W = 15;

export function renderLimits(runs: readonly LimitsRun[], columns: number | undefined): string {
  const [main] = runs;
  if (main === undefined) return '';
  const head = ['limit'.padEnd(NAME_W), 'advertised'.padEnd(COL_W), ...runs.map((r) => `MQTT ${r.version}`.padEnd(COL_W))].join(' ').trimEnd();
  const rows = LIMIT_KEYS.filter((k) => runs.some((r) => r.limits[k] !== undefined)).map((k) =>
    [LABELS[k].padEnd(NAME_W), advertisedText(main.limits[k]).padEnd(COL_W), ...runs.map((r) => (r.limits[k] === undefined ? 'MQTT 5 only' : measuredText(r.limits[k])).padEnd(COL_W))].join(' ').trimEnd(),
  );
  const findings: string[] = [];
  for (const r of runs) {
    for (const k of LIMIT_KEYS) {
      const l = r.limits[k];
      if (l === undefined) continue;
      const words = consequence(k, l);
      if (words !== undefined) findings.push(`- ${LABELS[k]} (MQTT ${r.version}): ${words}`);
    }
  }
  const cost = runs.map((r) => `MQTT ${r.version} in ${(r.ms / 1000).toFixed(1)} s, ${r.messages} messages, ${r.connections} connections${r.outOfTime ? ' (time bound reached: some limits not probed)' : ''}`).join('; ');
  const lines = [
    '',
    'limits (advertised in CONNACK; measured by the probe; ≥ n: at least n)',
    head,
    ...rows,
    '',
    ...(findings.length === 0 ? ['no limit a device is likely to meet'] : ['what a device will meet:', ...findings.map((f) => wrap(f, 2, 0, columns))]),
    '',
    wrap(`probe: ${cost}; its topics, retained messages and sessions are removed`, 2, 0, columns),
  ];
  return `${lines.join('\n')}\n`;
}

/** `limits` for the first version (the one the broker accepted), `limitsByVersion` for each. */
export function limitsJson(runs: readonly LimitsRun[]): Record<string, unknown> {
  const one = (r: LimitsRun): Record<string, unknown> => Object.fromEntries(LIMIT_KEYS.filter((k) => r.limits[k] !== undefined).map((k) => [k, limitJson(r.limits[k] as NonNullable<(typeof r.limits)[typeof k]>)]));
  return {
    limits: runs[0] === undefined ? {} : one(runs[0]),
    limitsByVersion: Object.fromEntries(runs.map((r) => [r.version, one(r)])),
    limitsProbe: runs.map((r) => ({ version: r.version, ms: Math.round(r.ms), messages: r.messages, connections: r.connections, outOfTime: r.outOfTime })),
  };
}
