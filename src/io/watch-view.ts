/**
 * `sub --watch`: one line per topic, updated in place (mosquitto_sub 2.1's -w). The screen is
 * drawn whole, at most every REDRAW_MS, so a busy topic costs one line's update, not one write
 * per message. Pure: lines in, the screen's text out.
 */
import { cutToWidth } from './width.js';

export const REDRAW_MS = 100;

/**
 * The screen: home, then each topic's latest line in topic order, clearing to the end of each
 * line and below the last; a footer when more topics arrived than there are rows.
 */
export function watchScreen(lines: ReadonlyMap<string, string>, rows: number, columns: number): string {
  const topics = [...lines.keys()].sort();
  const room = Math.max(1, rows - 1);
  const shown = topics.length > room ? topics.slice(0, room - 1) : topics;
  const out = shown.map((t) => `${cutToWidth(lines.get(t) as string, columns)}\x1b[K`);
  if (shown.length < topics.length) out.push(`\x1b[7m${cutToWidth(`${topics.length - shown.length} more topics below (a taller terminal shows them)`, columns)}\x1b[0m\x1b[K`);
  return `\x1b[H${out.join('\n')}\n\x1b[J`;
}
