/**
 * explore's screen as lines: a status line, the topic tree on the left, the selected topic's
 * detail (or the help) on the right, and a footer for key hints, prompts and messages. Every line
 * is exactly the terminal's width in display columns. Pure: the frame is a function of the view.
 */
import stringWidth from 'string-width';
import { cutToWidth } from '../io/width.js';
import { jsonDiff, jsonOf, numbersOf, shownText, sparkline } from './sample.js';
import type { Row, TopicNode } from './tree.js';

export interface Styles {
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly accent: (s: string) => string;
  readonly warn: (s: string) => string;
  /** The selected row: inverse video, which reads without colour too. */
  readonly selected: (s: string) => string;
}

export interface View {
  readonly columns: number;
  readonly rows: number;
  readonly title: string;
  readonly state: string;
  readonly topics: number;
  readonly rate: number;
  readonly filter: string;
  readonly tree: readonly Row[];
  readonly selected: number;
  /** First tree row shown. */
  readonly scroll: number;
  readonly detailScroll: number;
  readonly now: number;
  readonly help: boolean;
  /** The footer: a prompt or a message; undefined shows the key hints. */
  readonly footer: string | undefined;
}

/** The help, narrow enough for the right pane of an 80-column terminal. */
export const HELP = [
  'keys',
  '  ↑ ↓ k j     move',
  '  PgUp PgDn   a page',
  '  Home End    first, last',
  '  → Enter l   open',
  '  ← h         close, or up',
  '  J K         scroll the detail',
  '  /           filter (text, + or #)',
  '  p           publish here',
  '              Tab: QoS, Ctrl-R: retain',
  '  d           delete its retained',
  '              message',
  '  D           delete the retained',
  '              messages below it',
  '  c           copy the sub/pub command',
  '  ?           this help',
  '  q Ctrl-C    leave',
];

const fmtRate = (r: number): string => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));
const fmtInt = (n: number): string => n.toLocaleString('en-US');

/** Exactly `width` columns: cut with an ellipsis, or padded. */
export function fit(s: string, width: number): string {
  if (width <= 0) return '';
  const cut = cutToWidth(s, width);
  return cut + ' '.repeat(Math.max(0, width - stringWidth(cut)));
}

export function ago(ms: number): string {
  const s = ms / 1000;
  if (s < 1) return 'just now';
  if (s < 60) return `${s.toFixed(0)} s ago`;
  if (s < 3600) return `${(s / 60).toFixed(0)} min ago`;
  return `${(s / 3600).toFixed(1)} h ago`;
}

export function treeWidth(columns: number): number {
  return Math.max(24, Math.min(Math.floor(columns * 0.45), 60));
}

/** How many tree rows the body shows. */
export function bodyRows(rows: number): number {
  return Math.max(1, rows - 2);
}

export function treeLine(row: Row, width: number): string {
  const n = row.node;
  const indent = '  '.repeat(Math.max(0, n.depth));
  const arrow = n.children.size === 0 ? '  ' : row.expanded ? '▾ ' : '▸ ';
  const retained = n.value?.retain === true && (n.last?.bytes ?? 0) > 0 ? ' ®' : '';
  const head = `${indent}${arrow}${n.name === '' ? '(empty)' : n.name}${retained}`;
  const stats = n.children.size > 0 ? ` (${fmtInt(n.topics)} topics, ${fmtInt(n.messages)} msgs${n.rate > 0 ? `, ${fmtRate(n.rate)}/s` : ''})` : '';
  const value = n.last === undefined ? '' : ` = ${n.last.text.replace(/\s+/g, ' ')}`;
  return fit(`${head}${stats}${value}`, width);
}

/** The detail of a node: its value in full, its facts, what changed, a chart, the history. */
export function detailLines(n: TopicNode | undefined, now: number, width: number): string[] {
  if (n === undefined) return ['no topic yet: waiting for messages'];
  const out = [n.path === '' ? '(empty level)' : n.path];
  const last = n.last;
  if (n.children.size > 0) out.push(`${fmtInt(n.topics)} topics below · ${fmtInt(n.messages)} messages · ${fmtRate(n.rate)} msg/s · ${fmtInt(n.retained)} retained`);
  if (n.value === undefined || last === undefined) return out;
  const facts = [`QoS ${n.value.qos}`, n.value.retain ? 'retained' : undefined, `${fmtInt(last.bytes)} bytes`, n.value.encoding, ago(now - last.at)].filter((f) => f !== undefined);
  out.push(facts.join(' · '));
  if (n.children.size === 0) out.push(`${fmtInt(n.messages)} messages · ${fmtRate(n.rate)} msg/s`);
  for (const [k, v] of Object.entries(n.value.properties ?? {})) out.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  out.push('', 'value:', ...shownText(last).split('\n').map((l) => `  ${l}`));
  if (last.truncated) out.push(`  … (${fmtInt(last.bytes)} bytes; --max-value-bytes keeps more)`);
  const before = n.history[n.history.length - 2];
  const [was, now_] = [before === undefined ? undefined : jsonOf(before), jsonOf(last)];
  if (was !== undefined && now_ !== undefined) {
    const diff = jsonDiff(was, now_);
    out.push('', diff.length === 0 ? 'same as the previous value' : 'changed since the previous value:', ...diff.map((d) => `  ${d}`));
  }
  const charts = chartLines(n, Math.max(8, width - 24));
  if (charts.length > 0) out.push('', ...charts);
  out.push('', `history (${n.history.length}, newest first):`);
  for (const s of [...n.history].reverse()) out.push(`  ${clock(s.at)}  ${s.text.replace(/\s+/g, ' ')}`);
  return out;
}

function chartLines(n: TopicNode, width: number): string[] {
  const numbers = n.history.map(numbersOf);
  const fields = new Set<string>();
  for (const m of numbers) for (const k of m?.keys() ?? []) fields.add(k);
  const out: string[] = [];
  for (const field of [...fields].slice(0, 4)) {
    const values = numbers.map((m) => m?.get(field)).filter((v): v is number => v !== undefined);
    if (values.length < 2) continue;
    out.push(`${field === '' ? 'value' : field}: ${sparkline(values, width)} ${Math.min(...values)}…${Math.max(...values)}`);
  }
  return out;
}

function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** The whole screen, one string per terminal line. */
export function frame(v: View, s: Styles): string[] {
  const left = treeWidth(v.columns);
  const right = v.columns - left - 1;
  const body = bodyRows(v.rows);
  const status = `${v.title} · ${v.state} · ${fmtInt(v.topics)} topics · ${fmtRate(v.rate)} msg/s${v.filter === '' ? '' : ` · filter: ${v.filter}`}`;
  const lines = [s.bold(fit(status, v.columns))];
  const selected = v.tree[v.selected]?.node;
  const detail = v.help ? HELP : detailLines(selected, v.now, right);
  for (let i = 0; i < body; i += 1) {
    const r = v.tree[v.scroll + i];
    const treeText = r === undefined ? fit(i === 0 && v.tree.length === 0 ? (v.filter === '' ? '(no topics yet)' : '(nothing matches the filter)') : '', left) : treeLine(r, left);
    const shownTree = v.scroll + i === v.selected && r !== undefined ? s.selected(treeText) : treeText;
    const d = detail[v.help ? i : v.detailScroll + i] ?? '';
    lines.push(`${shownTree}${s.dim('│')}${i === 0 && !v.help ? s.accent(fit(d, right)) : fit(d, right)}`);
  }
  const hints = '↑↓ move  → open  ← close  / filter  p publish  d delete  c copy  ? help  q quit';
  lines.push(v.footer === undefined ? s.dim(fit(hints, v.columns)) : s.warn(fit(v.footer, v.columns)));
  return lines;
}

/** The scroll offset that keeps the selected row in view. */
export function scrollFor(selected: number, scroll: number, visible: number): number {
  if (selected < scroll) return selected;
  if (selected >= scroll + visible) return selected - visible + 1;
  return scroll;
}
