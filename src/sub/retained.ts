/** --retained-only: when the dump of retained messages is over. */
import type { Session } from '../connection/session.js';

/** --retained-only ends after this many seconds without a retained message (--retained-quiet). */
export const DEFAULT_RETAINED_QUIET_S = 1;

/**
 * --retained-only: a broker sends the retained messages right after the SUBACK, so the dump
 * is over once none has arrived for the quiet period. The period restarts with each message
 * and stands still while stdout is not ready for the next one.
 */
export class QuietTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onQuiet: () => void,
  ) {}

  restart(): void {
    this.pause();
    this.timer = setTimeout(this.onQuiet, this.ms);
  }

  pause(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * --retained-marker (opt-in): a message published to a private topic after our own second
 * SUBACK arrives behind the retained messages, so it ends the dump as soon as they are all
 * in. It is a real message: other subscribers of '#' see it. The quiet period still applies
 * when the broker forbids the marker topic.
 */
export function publishRetainedMarker(session: Session, markerTopic: string): void {
  const { client } = session;
  client.subscribe(markerTopic, { qos: 0 }, (err: Error | null) => {
    if (err !== null && err !== undefined) return;
    client.publish(markerTopic, Buffer.from('end'), { qos: 0 });
  });
}
