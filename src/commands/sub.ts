/** `mqtt-tool sub`: subscribe, format each message onto stdout, stop on -C/-W/-E/--retained-only/Ctrl-C/EPIPE. */
import { randomBytes } from 'node:crypto';
import type { IClientSubscribeOptions, IConnackPacket, IPublishPacket, ISubscriptionMap, MqttClient } from 'mqtt';
import type { ISubackPacket } from 'mqtt-packet';
import { connect, type Session } from '../connection/session.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { describeRefusal, namedCode } from '../connection/explain.js';
import { resolveConnection } from '../setup/resolve.js';
import { requireTopicFilter, topicMatchesFilter } from '../protocol/topics.js';
import { shown } from '../cli/values.js';
import type { Qos } from '../protocol/types.js';
import { CliError, RejectedError, TimeoutError, UsageError, isCliError } from '../errors.js';
import { toReceivedMessage, type Formatter } from '../io/format.js';
import { chooseFormat, type OutputFlags } from './output-flags.js';
import { v5OnlyRemedy } from './mqtt5-flags.js';
import { onInterrupt } from '../io/signals.js';
import { createTerminal, type Terminal } from '../io/terminal.js';
import { BatchedWriter } from '../io/writer.js';
import { REDRAW_MS, watchScreen } from '../io/watch-view.js';
import { mergeProperties, parseProperties, type PropertySet, type PropertyValue } from '../setup/properties.js';

export interface SubFlags extends ConnectionFlags, OutputFlags {
  topic?: string[];
  filterOut?: string[];
  qos?: Qos;
  count?: number;
  timeout?: number;
  exitAfterSubscribe?: boolean;
  retainedOnly?: boolean;
  retainedQuiet?: number;
  retainedMarker?: boolean;
  skipRetained?: boolean;
  removeRetained?: boolean;
  local: boolean;
  retainAsPublished?: boolean;
  retainHandling?: '0' | '1' | '2';
  userProperty?: Array<[string, string]>;
  unsubscribe?: string[];
  property?: string[];
  randomFilter?: number;
  watch?: boolean;
  embedded?: boolean;
  color: boolean;
}

export function subscriptionMap(flags: SubFlags, filters: string[], version: 3 | 4 | 5, fellBack = false): ISubscriptionMap {
  const v5Flags: Array<[boolean, string]> = [
    [flags.local === false, '--no-local'],
    [flags.retainAsPublished === true, '--retain-as-published'],
    [flags.retainHandling !== undefined, '--retain-handling'],
    [flags.userProperty !== undefined, '--user-property'],
  ];
  const used = v5Flags.find(([on]) => on);
  if (version !== 5 && used !== undefined) throw new UsageError(`${used[1]} needs MQTT 5; ${v5OnlyRemedy(fellBack)}`);
  const map: ISubscriptionMap = {};
  for (const filter of filters) {
    const o: IClientSubscribeOptions = { qos: flags.qos ?? 0 };
    if (version === 5) {
      if (flags.local === false) o.nl = true;
      if (flags.retainAsPublished === true) o.rap = true;
      if (flags.retainHandling !== undefined) o.rh = Number(flags.retainHandling);
    }
    map[filter] = o;
  }
  return map;
}

/** How long -U waits for the UNSUBACK. */
const UNSUBACK_TIMEOUT_MS = 10_000;

/** -U: UNSUBSCRIBE before subscribing; MQTT 5 reason codes named (0x11: there was no such subscription). */
async function unsubscribe(session: Session, filters: string[], term: Terminal, properties: Record<string, PropertyValue> | undefined): Promise<void> {
  // mqtt-packet puts an MQTT 5 UNSUBACK's reason codes in `granted`; a 3.1.1 UNSUBACK has none.
  const unsuback = await new Promise<{ granted?: number[] } | undefined>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TimeoutError(`no UNSUBACK within ${UNSUBACK_TIMEOUT_MS / 1000} s for -U ${filters.join(' ')}`, { hint: 'The broker did not answer the UNSUBSCRIBE: check its log.' })),
      UNSUBACK_TIMEOUT_MS,
    );
    session.client.unsubscribe(filters, properties === undefined ? {} : { properties: properties as never }, (err, packet) => {
      clearTimeout(timer);
      if (err !== undefined && err !== null && packet === undefined) reject(new RejectedError(`unsubscribing failed: ${err.message}`));
      else resolve(packet as { granted?: number[] } | undefined);
    });
  });
  (unsuback?.granted ?? []).forEach((code, i) => {
    if (code === 0) return;
    const { label, hint } = namedCode('unsuback', 5, code);
    const line = `unsubscribing from '${filters[i]}': ${label}`;
    if (code >= 0x80) term.warn(`${line}; ${hint}`);
    else term.notice(line);
  });
}

/** SUBSCRIBE, resolved with the SUBACK that answers it (MQTT.js matches the packet id). */
function subscribe(
  session: Session,
  map: ISubscriptionMap,
  userProperty: Array<[string, string]> | undefined,
  fromD: Record<string, PropertyValue> | undefined,
): Promise<ISubackPacket> {
  const fromFlags = userProperty === undefined ? undefined : { userProperties: Object.fromEntries(userProperty.map(([k, v]) => [k, v])) };
  const merged = mergeProperties(fromFlags, fromD, 'subscribe');
  const props = merged === undefined ? {} : { properties: merged as never };
  return new Promise((resolve, reject) => {
    session.client.subscribe(map, props, (err, _granted, suback) => {
      // A refusal arrives as an error that carries its SUBACK: checkSuback names each refused filter.
      if (suback !== undefined) resolve(suback);
      else reject(err ?? new Error('no SUBACK'));
    });
  });
}

/** Names each refused filter and each lower QoS granted; throws when every filter was refused. */
function checkSuback(suback: ISubackPacket, filters: string[], version: 3 | 4 | 5, asked: Qos, term: Terminal): void {
  (suback.granted as number[]).forEach((code, i) => {
    if (code < asked) term.notice(`subscription to '${filters[i]}' granted QoS ${code}, not ${asked}: the broker delivers these messages at QoS ${code} at most`);
  });
  const refused = (suback.granted as number[]).flatMap((code, i) => {
    if (code < 0x80) return [];
    return [describeRefusal(`subscription to '${filters[i]}'`, 'suback', version, code)];
  });
  const first = refused[0];
  if (first !== undefined && refused.length === filters.length) {
    throw new RejectedError(refused.length > 1 ? `${first.message} (and ${refused.length - 1} more)` : first.message, { hint: first.hint });
  }
  for (const r of refused) term.warn(`${r.message}; ${r.hint}`);
}

export async function runSub(flags: SubFlags): Promise<void> {
  const term = createTerminal(flags.color);
  // --watch shows a topic per line: `topic payload` unless -F says otherwise, without colours (lines are cut to the width).
  const format = flags.watch === true && flags.format === undefined ? chooseFormat({ ...flags, verbose: true }, createTerminal(false)) : chooseFormat(flags, term);
  for (const f of [...(flags.topic ?? []), ...(flags.filterOut ?? []), ...(flags.unsubscribe ?? [])]) {
    requireTopicFilter(f, `topic filter '${shown(f)}'`);
  }
  if (flags.retainedOnly !== true && (flags.retainedQuiet !== undefined || flags.retainedMarker === true)) {
    throw new UsageError(`${flags.retainedQuiet !== undefined ? '--retained-quiet' : '--retained-marker'} goes with --retained-only`);
  }
  if (flags.watch === true && (!process.stdout.isTTY || !(process.stdout.rows > 0))) {
    throw new UsageError('--watch draws on a terminal: stdout is not one', { hint: 'Drop --watch to print every message (to a pipe or a file).' });
  }
  const oneShot = flags.exitAfterSubscribe === true || flags.retainedOnly === true;
  const d = parseProperties(
    flags.property ?? [],
    ['connect', 'subscribe', 'disconnect', ...(flags.unsubscribe === undefined ? [] : ['unsubscribe' as const]), ...(flags.willTopic === undefined ? [] : ['will' as const])],
    'sub',
  );
  const connection = await resolveConnection({ ...flags, mqtt5Properties: d }, term, { longRunning: !oneShot, embedded: flags.embedded === true });
  try {
    const filters = flags.topic ?? (connection.spec.urlTopic === undefined ? [] : [connection.spec.urlTopic]);
    if (filters.length === 0 && flags.unsubscribe === undefined) throw new UsageError("no topic: give -t FILTER (e.g. -t 'sensors/#'), or -U FILTER to unsubscribe");
    for (const f of filters) {
      requireTopicFilter(f, `topic filter '${shown(f)}'`);
    }
    let map = subscriptionMap(flags, filters, connection.spec.protocolVersion);
    const run = new SubRun(flags, format, d);
    const session = await connect(connection.spec, {
      notice: term.notice,
      webSocket: connection.webSocket,
      socks: connection.socks,
      handleMessage: (client, packet, done) => run.onMessage(client, packet, done),
      needsMqtt5: flags.property === undefined ? undefined : '-D (MQTT 5 properties)',
    });
    if (session.spec.protocolVersion !== connection.spec.protocolVersion) {
      try {
        map = subscriptionMap(flags, filters, session.spec.protocolVersion, true);
      } catch (err) {
        session.client.end(true);
        throw err;
      }
    }
    await run.run(session, filters, map, term);
  } finally {
    await connection.release();
  }
}

/** One `sub` run: its stop conditions, output and the messages it handles. */
class SubRun {
  private finishWith: (err: CliError | undefined) => void = () => {};
  private readonly finished = new Promise<CliError | undefined>((resolve) => {
    let done = false;
    this.finishWith = (err) => {
      if (done) return;
      done = true;
      resolve(err);
    };
  });
  private readonly writer = new BatchedWriter(process.stdout, () => this.finishWith(undefined));
  private printed = 0;
  private readonly removals: Array<Promise<void>> = [];
  readonly markerTopic = `mqtt-tool/retained-only/${randomBytes(6).toString('hex')}`;
  /** --retained-only: set once the SUBACK is in; ends the run after a quiet period. */
  private quiet: QuietTimer | undefined;

  /** --watch: the latest line per topic, drawn in place. */
  private readonly watch: WatchView | undefined;

  constructor(
    private readonly flags: SubFlags,
    private readonly format: Formatter,
    private readonly properties: PropertySet = {},
  ) {
    this.watch = flags.watch === true ? new WatchView() : undefined;
  }

  onMessage(client: MqttClient, packet: IPublishPacket, done: (err?: Error) => void): void {
    const flags = this.flags;
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

  async run(session: Session, filters: string[], map: ISubscriptionMap, term: Terminal): Promise<void> {
    const flags = this.flags;
    const version = session.spec.protocolVersion;
    const disposeSignals = onInterrupt(() => this.finishWith(undefined));
    void session.ended.then((err) => this.finishWith(err));
    let timer: NodeJS.Timeout | undefined;
    if (flags.timeout !== undefined) {
      const seconds = flags.timeout;
      timer = setTimeout(
        () => this.finishWith(new TimeoutError(`-W ${seconds}: time is up${flags.count === undefined ? '' : ` before ${flags.count} messages arrived`}`)),
        seconds * 1000,
      );
    }
    // After a reconnect, a broker without our session has no subscriptions: subscribe again.
    // (MQTT.js only tracks subscriptions for its own reconnect timer, which we do not use.)
    session.client.on('connect', (connack: IConnackPacket) => {
      if (connack.sessionPresent) return;
      if (!session.spec.clean) term.warn('the broker did not keep our session (session present = 0): messages sent while we were away are lost; subscribing again');
      subscribe(session, map, flags.userProperty, this.properties.subscribe)
        .then((suback) => checkSuback(suback, filters, version, flags.qos ?? 0, term))
        .catch((err: unknown) => this.finishWith(isCliError(err) ? err : new RejectedError(`subscribing again failed: ${String(err)}`)));
    });
    try {
      if (flags.unsubscribe !== undefined) {
        await unsubscribe(session, flags.unsubscribe, term, this.properties.unsubscribe);
        // -U alone: clear a persistent session's subscriptions and exit.
        if (filters.length === 0) this.finishWith(undefined);
      }
      const suback = filters.length === 0 ? undefined : await Promise.race([subscribe(session, map, flags.userProperty, this.properties.subscribe), this.finished.then(() => undefined)]);
      if (suback !== undefined) {
        try {
          checkSuback(suback, filters, version, flags.qos ?? 0, term);
        } catch (err) {
          session.client.end(true);
          throw err;
        }
        if (flags.exitAfterSubscribe === true) this.finishWith(undefined);
        else if (flags.retainedOnly === true) {
          this.quiet = new QuietTimer((flags.retainedQuiet ?? DEFAULT_RETAINED_QUIET_S) * 1000, () => this.finishWith(undefined));
          this.quiet.restart();
          if (flags.retainedMarker === true) publishRetainedMarker(session, this.markerTopic);
        }
      }
      const result = await this.finished;
      this.watch?.close();
      await this.writer.end();
      await Promise.race([Promise.all(this.removals), delay(5_000)]);
      if (result === undefined || !(result instanceof RejectedError || result.exitCode === 4)) await session.close();
      else session.client.end(true);
      if (result !== undefined) throw result;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.quiet?.pause();
      disposeSignals();
    }
  }
}

/** The terminal side of --watch: the lines, a throttled redraw, and the screen left as it was drawn. */
class WatchView {
  private readonly lines = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  update(topic: string, formatted: Buffer | readonly Buffer[]): void {
    const bytes = Buffer.isBuffer(formatted) ? formatted : Buffer.concat(formatted as Buffer[]);
    this.lines.set(topic, bytes.toString('utf8').replace(/\n$/, ''));
    this.timer ??= setTimeout(() => this.draw(), REDRAW_MS);
  }

  private draw(): void {
    this.timer = undefined;
    process.stdout.write(watchScreen(this.lines, process.stdout.rows, process.stdout.columns));
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.lines.size > 0) this.draw();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** --retained-only ends after this many seconds without a retained message (--retained-quiet). */
export const DEFAULT_RETAINED_QUIET_S = 1;

/**
 * --retained-only: a broker sends the retained messages right after the SUBACK, so the dump
 * is over once none has arrived for the quiet period. The period restarts with each message
 * and stands still while stdout is not ready for the next one.
 */
class QuietTimer {
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
function publishRetainedMarker(session: Session, markerTopic: string): void {
  const { client } = session;
  client.subscribe(markerTopic, { qos: 0 }, (err: Error | null) => {
    if (err !== null && err !== undefined) return;
    client.publish(markerTopic, Buffer.from('end'), { qos: 0 });
  });
}
