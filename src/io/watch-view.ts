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

/** The terminal side of --watch: the lines, a throttled redraw, and the screen left as it was drawn. */
export class WatchView {
  constructor(private readonly out: NodeJS.WriteStream) {}

  private readonly lines = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  update(topic: string, formatted: Buffer | readonly Buffer[]): void {
    const bytes = Buffer.isBuffer(formatted) ? formatted : Buffer.concat(formatted as Buffer[]);
    this.lines.set(topic, bytes.toString('utf8').replace(/\n$/, ''));
    this.timer ??= setTimeout(() => this.draw(), REDRAW_MS);
  }

  private draw(): void {
    this.timer = undefined;
    this.out.write(watchScreen(this.lines, this.out.rows, this.out.columns));
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.lines.size > 0) this.draw();
  }
}
