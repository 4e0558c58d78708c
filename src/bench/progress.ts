/**
 * bench's live progress line (stderr, a terminal only): per phase what was sent, received and is
 * not yet received, the current rate, the time elapsed and left. Pure: samples in, one line out.
 */
import { cutToWidth } from '../io/width.js';
import { fmtInt } from './report.js';

export interface PhaseTarget {
  /** "QoS 1", "QoS 1 at 5,000 msg/s". */
  readonly label: string;
  readonly subscribers: number;
  /** Messages the phase sends in all, or undefined with a duration. */
  readonly messages: number | undefined;
  readonly durationSec: number | undefined;
}

const secs = (s: number): string => (s >= 100 ? `${Math.round(s)} s` : `${s.toFixed(1)} s`);

/** The rate is taken over the last second or so of samples. */
const WINDOW_MS = 1_000;
/**
 * No rate is shown before the samples span this long: the first burst of a phase, over a few
 * milliseconds, read as hundreds of thousands of messages a second.
 */
const MIN_RATE_SPAN_MS = 500;

export class ProgressMeter {
  private readonly samples: Array<{ at: number; count: number }> = [];
  private readonly startedAt: number;

  constructor(
    private readonly target: PhaseTarget,
    startedAtMs: number,
  ) {
    this.startedAt = startedAtMs;
  }

  /**
   * The line for a terminal `columns` wide (whole when undefined or 0). When it does not fit, the
   * details go first (what is not yet received, the time elapsed), so the rate and the time left stay.
   */
  line(nowMs: number, sent: number, received: number, columns?: number): string {
    const counted = this.target.subscribers > 0 ? received : sent;
    this.samples.push({ at: nowMs, count: counted });
    while (this.samples.length > 2 && (this.samples[1] as { at: number }).at <= nowMs - WINDOW_MS) this.samples.shift();
    const first = this.samples[0] as { at: number; count: number };
    const rate = nowMs - first.at >= MIN_RATE_SPAN_MS ? ((counted - first.count) * 1000) / (nowMs - first.at) : undefined;
    const elapsed = (nowMs - this.startedAt) / 1000;
    // Deliveries (sent x subscribers) when there are subscribers, publishes otherwise: the same unit as the rate.
    const total = this.target.messages === undefined ? undefined : this.target.messages * Math.max(1, this.target.subscribers);
    const left =
      this.target.durationSec !== undefined
        ? Math.max(0, this.target.durationSec - elapsed)
        : total !== undefined && rate !== undefined && rate > 0
          ? Math.max(0, total - counted) / rate
          : undefined;
    const notYet = this.target.subscribers > 0 ? ` (${fmtInt(Math.max(0, sent * this.target.subscribers - received))} not yet)` : '';
    const compose = (details: boolean): string =>
      [
        `${this.target.label}: sent ${fmtInt(sent)}`,
        ...(this.target.subscribers > 0 ? [`received ${fmtInt(received)}${details ? notYet : ''}`] : []),
        ...(rate === undefined ? [] : [`${fmtInt(rate)} msg/s`]),
        ...(details ? [secs(elapsed)] : []),
        ...(left === undefined ? [] : [`~${secs(left)} left`]),
      ].join(' · ');
    const whole = compose(true);
    return columns === undefined || columns <= 0 || whole.length < columns ? whole : fitLine(compose(false), columns);
  }
}

/** The line cut to one column less than the terminal (the cursor stays on it); whole when the terminal reports no size. */
export function fitLine(line: string, columns: number | undefined): string {
  return columns === undefined || columns <= 0 ? line : cutToWidth(line, columns - 1);
}
