/**
 * A received payload as explore keeps it: its text (the decoded value as JSON, or the bytes as
 * UTF-8, or hex when they are not text), cut to the per-value byte limit; the numbers a chart
 * can plot; and the JSON value for the difference between two messages. Pure.
 */
import type { Sample } from './tree.js';

/**
 * Kept small, since a big broker has a hundred thousand of them: the text as it came (or the
 * decoded value as compact JSON), cut to `maxBytes`. Indenting, numbers and differences are
 * worked out from it when the topic is shown.
 */
export function sampleOf(payload: Buffer, decoded: { value: unknown } | undefined, maxBytes: number, at: number): Sample {
  const bytes = payload.length;
  const full = decoded !== undefined ? (JSON.stringify(decoded.value) ?? 'null') : undefined;
  const head = full !== undefined ? Buffer.from(full) : payload;
  const cut = head.subarray(0, maxBytes);
  const text = full === undefined && !isText(cut) ? `hex ${cut.toString('hex')}` : cut.toString('utf8').replace(/\uFFFD$/, '');
  return { at, text, bytes, truncated: head.length > maxBytes };
}

/** The value of a sample as JSON, when its whole text is JSON. */
export function jsonOf(s: Sample): unknown {
  return s.truncated ? undefined : parseJson(s.text);
}

/** The sample's text for reading: JSON objects and arrays indented. */
export function shownText(s: Sample): string {
  const json = jsonOf(s);
  return typeof json === 'object' && json !== null ? JSON.stringify(json, null, 2) : s.text;
}

function isText(b: Buffer): boolean {
  for (const byte of b) if (byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte === 0x7f) return false;
  return !b.toString('utf8').includes('\uFFFD');
}

function parseJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[' && first !== '"' && !/[-\d]/.test(first ?? '') && text !== 'true' && text !== 'false') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A number payload ("21.5"), or the numeric top-level fields of a JSON object, by name ("" for the payload itself). */
export function numbersOf(s: Sample): ReadonlyMap<string, number> | undefined {
  const json = jsonOf(s);
  const text = s.text;
  if (typeof json === 'number' && Number.isFinite(json)) return new Map([['', json]]);
  if (json === undefined && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(text)) return new Map([['', Number(text)]]);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(json)) if (typeof v === 'number' && Number.isFinite(v)) out.set(k, v);
  return out.size === 0 ? undefined : out;
}

const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` values as a bar per value, scaled between their minimum and maximum. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-width);
  if (shown.length === 0) return '';
  const min = Math.min(...shown);
  const max = Math.max(...shown);
  return shown.map((v) => BARS[max === min ? 3 : Math.round(((v - min) / (max - min)) * (BARS.length - 1))]).join('');
}

/** What changed between two JSON values, one line per key path: "+ a.b: 1", "- c", "~ d: 1 → 2". */
export function jsonDiff(before: unknown, after: unknown, path = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = path === '' ? k : `${path}.${k}`;
      if (!(k in before)) out.push(`+ ${p}: ${JSON.stringify(after[k])}`);
      else if (!(k in after)) out.push(`- ${p}`);
      else out.push(...jsonDiff(before[k], after[k], p));
    }
    return out;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [`~ ${path === '' ? '(value)' : path}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`];
}
