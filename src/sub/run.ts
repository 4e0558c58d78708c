/** One `sub` run on an open session: its stop conditions, its output, and the messages it handles. */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IConnackPacket, IPublishPacket, ISubscriptionMap, MqttClient } from 'mqtt';
import type { ISubackPacket } from 'mqtt-packet';
import type { Session } from '../connection/session.js';
import { RejectedError, TimeoutError, isCliError, type CliError } from '../errors.js';
import { latch } from '../latch.js';
import { toReceivedMessage, type Formatter } from '../io/format.js';
import { onInterrupt } from '../io/signals.js';
import type { Terminal } from '../io/terminal.js';
import { WatchView } from '../io/watch-view.js';
import { BatchedWriter } from '../io/writer.js';
import type { Mqtt5Properties } from '../protocol/spec.js';
import { topicMatchesFilter } from '../protocol/topics.js';
import { describeEndpoint } from '../protocol/endpoint.js';
import type { Qos } from '../protocol/types.js';
import { DEFAULT_RETAINED_QUIET_S, publishRetainedMarker, QuietTimer } from './retained.js';
import { checkSuback, subscribe, unsubscribe } from './subscription.js';

/** How many topics that match no filter are named on stderr, at most. */
const MATCHLESS_SAID = 20;

/** How long --remove-retained waits at the end for the broker to take the clearing messages. */
const REMOVALS_WAIT_MS = 5_000;

/** What a run does with the messages and when it stops: sub's flags, MQTT 5 properties already merged. */
export interface SubRunOptions {
  readonly qos?: Qos;
  readonly count?: number;
  readonly timeout?: number;
  readonly exitAfterSubscribe?: boolean;
  readonly retainedOnly?: boolean;
  readonly retainedQuiet?: number;
  readonly retainedMarker?: boolean;
  readonly skipRetained?: boolean;
  readonly removeRetained?: boolean;
  readonly filterOut?: readonly string[];
  readonly randomFilter?: number;
  readonly watch?: boolean;
  readonly unsubscribe?: string[];
  readonly subscribeProperties?: Mqtt5Properties;
  readonly unsubscribeProperties?: Mqtt5Properties;
}

/** One `sub` run: its stop conditions, output and the messages it handles. */
export class SubRun {
  private readonly end = latch<CliError | undefined>();
  private readonly finishWith = (err: CliError | undefined): void => this.end.fire(err);
  private readonly finished = this.end.promise;
  private readonly writer: BatchedWriter;
  private printed = 0;
  private readonly removals: Array<Promise<void>> = [];
  readonly markerTopic = `mqtt-tool/retained-only/${randomBytes(6).toString('hex')}`;
  /** --retained-only: set once the SUBACK is in; ends the run after a quiet period. */
  private quiet: QuietTimer | undefined;

  /** --watch: the latest line per topic, drawn in place. */
  private readonly watch: WatchView | undefined;

  /** The session ended by itself (lost, or the broker's DISCONNECT): there is no link left to DISCONNECT on. */
  private sessionEnded = false;

  /** Topics already said to match none of this run's filters (said once each, at most MATCHLESS_SAID). */
  private readonly matchless = new Set<string>();
  /** The filters as topics are matched against them: a shared subscription without its $share/GROUP/. */
  private readonly matchedBy: readonly string[];

  constructor(
    private readonly flags: SubRunOptions,
    private readonly filters: readonly string[],
    private readonly format: Formatter,
    out: NodeJS.WriteStream,
    private readonly warn: (line: string) => void,
  ) {
    this.writer = new BatchedWriter(out, () => this.finishWith(undefined));
    this.watch = flags.watch === true ? new WatchView(out) : undefined;
    this.matchedBy = filters.map((f) => (f.startsWith('$share/') ? f.split('/').slice(2).join('/') : f));
  }

  onMessage(client: MqttClient, packet: IPublishPacket, done: (err?: Error) => void): void {
    const flags = this.flags;
    // -U alone: messages a kept session delivers before the UNSUBACK are not what was asked for.
    if (this.filters.length === 0) {
      done();
      return;
    }
    if (packet.topic === this.markerTopic || (flags.retainedOnly === true && !packet.retain)) {
      this.finishWith(undefined);
      done();
      return;
    }
    this.quiet?.pause();
    if (this.quiet !== undefined) {
      const next = done;
      // The quiet period counts only while we are ready for the next message: a slow reader never cuts the dump short.
      done = (err) => {
        this.quiet?.restart();
        next(err);
      };
    }
    this.checkMatches(packet.topic);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (flags.removeRetained === true && packet.retain && payload.length > 0) {
      this.removals.push(new Promise((resolve) => client.publish(packet.topic, Buffer.alloc(0), { qos: 1, retain: true }, () => resolve())));
    }
    const hidden =
      (flags.skipRetained === true && packet.retain) ||
      (flags.filterOut ?? []).some((f) => topicMatchesFilter(f, packet.topic)) ||
      (flags.randomFilter !== undefined && Math.random() * 100 >= flags.randomFilter);
    if (hidden || this.printed >= (flags.count ?? Infinity)) {
      done();
      return;
    }
    if (this.watch !== undefined) {
      this.watch.update(packet.topic, this.format(toReceivedMessage(packet, Date.now())));
      this.printed++;
      if (flags.count !== undefined && this.printed >= flags.count) this.finishWith(undefined);
      done();
      return;
    }
    const wait = this.writer.write(this.format(toReceivedMessage(packet, Date.now())));
    this.printed++;
    if (flags.count !== undefined && this.printed >= flags.count) this.finishWith(undefined);
    // Back-pressure: MQTT.js reads the next packet only after `done`.
    if (wait === undefined) done();
    else void wait.then(() => done());
  }

  /**
   * A broker sends only what matches a subscription, but a session kept from an earlier run may
   * still hold subscriptions this run did not make: the message is printed, and said once.
   */
  private checkMatches(topic: string): void {
    if (this.matchless.has(topic) || this.matchless.size >= MATCHLESS_SAID) return;
    if (this.matchedBy.some((f) => topicMatchesFilter(f, topic)) || topic === this.markerTopic) return;
    this.matchless.add(topic);
    this.warn(`a message on '${topic}' matches none of this run's filters: a subscription kept in the broker's session from an earlier run?`);
  }

  async run(session: Session, map: ISubscriptionMap, term: Terminal): Promise<void> {
    const { flags, filters } = this;
    const version = session.spec.protocolVersion;
    const disposeSignals = onInterrupt(() => this.finishWith(undefined));
    void session.ended.then((err) => {
      this.sessionEnded = true;
      this.finishWith(err);
    });
    let timer: NodeJS.Timeout | undefined;
    if (flags.timeout !== undefined) {
      const seconds = flags.timeout;
      timer = setTimeout(
        () => this.finishWith(new TimeoutError(`-W ${seconds}: time is up${flags.count === undefined ? '' : ` before ${flags.count} messages arrived`}`)),
        seconds * 1000,
      );
    }
    /** Whether a SUBACK answered our SUBSCRIBE on some connection of this run. */
    let subscribed = false;
    /** Names what was granted or refused; the first SUBACK also starts -E and --retained-only. */
    const answered = (suback: ISubackPacket): void => {
      checkSuback(suback, filters, version, flags.qos ?? 0, term);
      if (subscribed) return;
      subscribed = true;
      // A person at a terminal sees at once that it works, where, and how to stop; a pipe gets nothing.
      if (term.stderrIsTty && this.watch === undefined && flags.exitAfterSubscribe !== true && flags.retainedOnly !== true) {
        term.notice(`subscribed to ${filters.map((f) => `'${f}'`).join(', ')} (QoS ${flags.qos ?? 0}) on ${describeEndpoint(session.spec)}: waiting for messages; Ctrl-C to stop`);
      }
      if (flags.exitAfterSubscribe === true) this.finishWith(undefined);
      else if (flags.retainedOnly === true) {
        this.quiet = new QuietTimer((flags.retainedQuiet ?? DEFAULT_RETAINED_QUIET_S) * 1000, () => this.finishWith(undefined));
        this.quiet.restart();
        if (flags.retainedMarker === true) publishRetainedMarker(session, this.markerTopic);
      }
    };
    // After a reconnect, a broker without our session has no subscriptions, and a SUBSCRIBE cut off
    // before its SUBACK may never have reached it: subscribe again. (MQTT.js only tracks subscriptions
    // for its own reconnect timer, which we do not use.) A connection lost again before the SUBACK is
    // the next reconnect's business.
    session.client.on('connect', (connack: IConnackPacket) => {
      if (filters.length === 0 || (connack.sessionPresent && subscribed)) return;
      if (!session.spec.clean && subscribed) term.warn('the broker did not keep our session (session present = 0): messages sent while we were away are lost; subscribing again');
      subscribe(session, map, flags.subscribeProperties)
        .then((suback) => {
          if (suback !== undefined) answered(suback);
        })
        .catch((err: unknown) => this.finishWith(isCliError(err) ? err : new RejectedError(`subscribing again failed: ${String(err)}`)));
    });
    try {
      if (flags.unsubscribe !== undefined) {
        await unsubscribe(session, flags.unsubscribe, term, flags.unsubscribeProperties);
        // -U alone: clear a persistent session's subscriptions and exit.
        if (filters.length === 0) this.finishWith(undefined);
      }
      const suback = filters.length === 0 ? undefined : await Promise.race([subscribe(session, map, flags.subscribeProperties), this.finished.then(() => undefined)]);
      if (suback !== undefined) {
        try {
          answered(suback);
        } catch (err) {
          // mqtt-tool decides to stop: DISCONNECT, so the broker does not publish the will.
          await session.close();
          throw err;
        }
      }
      const result = await this.finished;
      this.watch?.close();
      await this.writer.end();
      await Promise.race([Promise.all(this.removals), sleep(REMOVALS_WAIT_MS, undefined, { ref: false })]);
      if (this.sessionEnded) session.client.end(true);
      else await session.close();
      if (result !== undefined) throw result;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.quiet?.pause();
      disposeSignals();
    }
  }
}
