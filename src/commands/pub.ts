/** `mqtt-tool pub`: parse flags, read the payload source, publish, wait for every acknowledgement. */
import type { IClientPublishOptions } from 'mqtt';
import { resolveConnection } from '../setup/resolve.js';
import { pickPayloadSource, readPayload, type PayloadFlags } from '../io/payload.js';
import { connect, type Session } from '../connection/session.js';
import { describeEndpoint } from '../protocol/endpoint.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { defaultWindow, FastPublisher } from '../connection/fast-publisher.js';
import type { AckTap } from '../connection/ack-tap.js';
import { describePacket } from '../connection/packet-log.js';
import { requireTopicName } from '../protocol/topics.js';
import { checkFieldLength } from '../cli/values.js';
import type { Qos } from '../protocol/types.js';
import { isCliError, NetworkError, RejectedError, TimeoutError, UsageError, type CliError } from '../errors.js';
import { LineSplitter, LineTooLongError } from '../io/lines.js';
import { onInterrupt } from '../io/signals.js';
import { v5OnlyRemedy } from './mqtt5-flags.js';
import { createTerminal, type Terminal } from '../io/terminal.js';
import type { CodecSpec } from '../codecs/spec.js';
import type { Codec } from '../codecs/codec.js';
import { loadCodec } from '../setup/codecs.js';
import { mergeProperties, parseProperties, type PropertyValue } from '../setup/properties.js';
import { parseRecord, replayDue, type JsonlRecord } from '../io/jsonl-record.js';

export interface PubFlags extends ConnectionFlags, PayloadFlags {
  topic?: string;
  qos?: Qos;
  retain?: boolean;
  repeat?: number;
  repeatDelay?: number;
  maxInflight?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: string;
  messageExpiry?: number;
  payloadFormatIndicator?: boolean;
  topicAlias?: number;
  userProperty?: Array<[string, string]>;
  ackTimeout?: number;
  strictQos?: boolean;
  encode?: CodecSpec;
  property?: string[];
  replay?: boolean;
  replaySpeed?: number;
  embedded?: boolean;
  color: boolean;
}

const V5_ONLY: Array<[keyof PubFlags, string]> = [
  ['contentType', '--content-type'],
  ['responseTopic', '--response-topic'],
  ['correlationData', '--correlation-data'],
  ['messageExpiry', '--message-expiry'],
  ['payloadFormatIndicator', '--payload-format-indicator'],
  ['topicAlias', '--topic-alias'],
  ['userProperty', '--user-property'],
];

/** The publish options of the flags; `fromD` are -D publish properties, added to those of their own flags. */
export function publishOptions(flags: PubFlags, version: 3 | 4 | 5, fellBack = false, fromD?: Record<string, PropertyValue>): IClientPublishOptions & { qos: Qos } {
  const opts: IClientPublishOptions & { qos: Qos } = { qos: flags.qos ?? 0, retain: flags.retain === true };
  if (version !== 5) {
    const used = V5_ONLY.find(([key]) => flags[key] !== undefined);
    if (used !== undefined) throw new UsageError(`${used[1]} needs MQTT 5; ${v5OnlyRemedy(fellBack)}`);
    if (fromD !== undefined) throw new UsageError('-D publish properties need MQTT 5: drop -V 311, or the -D options');
    return opts;
  }
  const props: NonNullable<IClientPublishOptions['properties']> = {};
  if (flags.contentType !== undefined) checkFieldLength('--content-type', flags.contentType);
  if (flags.correlationData !== undefined) checkFieldLength('--correlation-data', flags.correlationData);
  for (const [k, v] of flags.userProperty ?? []) {
    checkFieldLength('a --user-property name', k);
    checkFieldLength('a --user-property value', v);
  }
  if (flags.contentType !== undefined) props.contentType = flags.contentType;
  if (flags.responseTopic !== undefined) {
    requireTopicName(flags.responseTopic, '--response-topic');
    props.responseTopic = flags.responseTopic;
  }
  if (flags.correlationData !== undefined) props.correlationData = Buffer.from(flags.correlationData, 'utf8');
  if (flags.messageExpiry !== undefined) props.messageExpiryInterval = flags.messageExpiry;
  if (flags.payloadFormatIndicator === true) props.payloadFormatIndicator = true;
  if (flags.topicAlias !== undefined) props.topicAlias = flags.topicAlias;
  if (flags.userProperty !== undefined) {
    const up: Record<string, string[]> = {};
    for (const [k, v] of flags.userProperty) (up[k] ??= []).push(v);
    props.userProperties = up;
  }
  const merged = mergeProperties(props, fromD, 'publish') ?? {};
  if (Object.keys(merged).length > 0) opts.properties = merged;
  return opts;
}

/**
 * Checks the broker's advertised limits once, before sending [MQTT-3.2.2-11], [MQTT-3.2.2-14],
 * and returns a check of each message's packet size against its Maximum Packet Size [MQTT-3.2.2-15].
 */
function brokerLimits(session: Session, pub: FastPublisher, topic: string, opts: { qos: Qos; retain?: boolean }): (payloadBytes: number) => void {
  const p = session.connack.properties;
  if (p?.maximumQoS !== undefined && opts.qos > p.maximumQoS) {
    throw new RejectedError(`the broker accepts QoS ${p.maximumQoS} at most; -q ${opts.qos} was asked`, { hint: `Use -q ${p.maximumQoS}.` });
  }
  if (p?.retainAvailable === false && opts.retain === true) {
    throw new RejectedError('the broker does not support retained messages', { hint: 'Drop -r.' });
  }
  const maximum = p?.maximumPacketSize;
  const largest = pub.maxPayload(topic, opts.qos);
  return (payloadBytes) => {
    if (payloadBytes > largest) throw tooLarge(payloadBytes, largest);
    if (maximum === undefined) return;
    const size = pub.packetSize(topic, opts.qos, payloadBytes);
    if (size > maximum) {
      throw new RejectedError(`a payload of ${payloadBytes} bytes makes a ${size}-byte packet; the broker's maximum packet size is ${maximum} bytes`, {
        hint: "Send a smaller payload, or raise the broker's maximum packet size.",
      });
    }
  };
}

/** A payload no MQTT packet can carry, whatever the broker: exit 2 before anything is sent. */
function tooLarge(payloadBytes: number | undefined, largest: number): UsageError {
  return new UsageError(
    `${payloadBytes === undefined ? 'a line of stdin is' : `a payload of ${payloadBytes.toLocaleString('en-US')} bytes is`} larger than an MQTT packet can carry with this topic (${largest.toLocaleString('en-US')} bytes; the remaining length of a packet is at most 268,435,455 bytes)`,
    { hint: 'Split the data, or send it another way.' },
  );
}

function outcome(pub: FastPublisher, ended: CliError | undefined, interrupted: boolean): CliError | undefined {
  const { sent, completed, rejected, unconfirmed: released } = pub.stats;
  const unconfirmed = sent - completed - rejected - released;
  const counted = (first: RejectedError, n: number, what: string): RejectedError =>
    n > 1 ? new RejectedError(`${first.message}; ${n} of ${sent} messages ${what}`, { hint: first.hint }) : first;
  if (pub.firstRejection !== undefined) return counted(pub.firstRejection, rejected, 'refused');
  if (pub.firstUnconfirmed !== undefined) return counted(pub.firstUnconfirmed, released, 'not confirmed');
  if (unconfirmed > 0) {
    const msg = `${unconfirmed} of ${sent} messages were not acknowledged`;
    if (ended !== undefined) return new NetworkError(`${ended.message}; ${msg}`, { hint: ended.hint });
    if (interrupted) return new TimeoutError(`interrupted: ${msg} within the grace period`);
    return new NetworkError(msg);
  }
  return ended;
}

const GRACE_MS = 5_000;
/** Short-lived connections in a row before pub stops sending the same window into the same refusal. */
const FRUITLESS_RECONNECTS = 3;

/** --ack-timeout's default: how long an acknowledgement may take once the message is written. */
export const DEFAULT_ACK_TIMEOUT_S = 30;

/** A broker without QoS 2 answered a QoS 2 PUBLISH with PUBACK. */
function downgradeError(strict: boolean): RejectedError {
  return new RejectedError(
    'the broker answered QoS 2 with PUBACK: it takes these messages at QoS 1 (at least once, duplicates possible), not exactly once',
    { hint: strict ? 'This broker has no QoS 2: drop --strict-qos to accept QoS 1, or use a broker with QoS 2.' : undefined },
  );
}

export async function runPub(flags: PubFlags): Promise<void> {
  const term = createTerminal(flags.color);
  const source = pickPayloadSource(flags, true);
  const lineMode = source.kind === 'lines' || source.kind === 'jsonl';
  checkRecordFlags(flags, source.kind === 'jsonl');
  const d = parseProperties(flags.property ?? [], flags.willTopic === undefined ? ['connect', 'publish', 'disconnect'] : ['connect', 'publish', 'disconnect', 'will'], 'pub');
  if (d.publish !== undefined && source.kind === 'jsonl') throw new UsageError("--jsonl takes each message's MQTT 5 properties from its line: drop -D publish");
  const connection = await resolveConnection({ ...flags, mqtt5Properties: d }, term, { longRunning: lineMode, embedded: flags.embedded === true });
  try {
    // --jsonl: every line names its topic.
    const topic = source.kind === 'jsonl' ? '' : (flags.topic ?? connection.spec.urlTopic);
    if (topic === undefined) throw new UsageError('no topic: give -t TOPIC (or a topic in the -L URL)');
    if (source.kind !== 'jsonl') {
      requireTopicName(topic, 'topic');
    }
    let opts = publishOptions(flags, connection.spec.protocolVersion, false, d.publish);
    if (flags.repeat !== undefined && lineMode) throw new UsageError(`--repeat cannot be combined with ${source.kind === 'jsonl' ? '--jsonl' : '-l'}`);
    const codec = flags.encode === undefined ? undefined : loadCodec(flags.encode, '--encode');
    if (codec !== undefined && source.kind === 'null') throw new UsageError('--encode has nothing to encode in -n (a zero-length message)');
    const payload = source.kind === 'lines' || source.kind === 'jsonl' ? undefined : encodeWith(codec, await readPayload(source), source.kind === 'message' ? '-m' : source.kind === 'file' ? '-f' : '-s');

    const ackTap: AckTap = { handler: undefined };
    // A QoS 1/2 stream keeps its session across reconnects: a message cut off between PUBREC and PUBCOMP must not be lost with it.
    const session = await connect(connection.spec, {
      notice: term.notice,
      ackTap,
      webSocket: connection.webSocket,
      socks: connection.socks,
      needsMqtt5: flags.property === undefined ? undefined : '-D (MQTT 5 properties)',
      // --jsonl lines carry their own QoS.
      keepSession: lineMode && (flags.qos ?? (source.kind === 'jsonl' ? 2 : 0)) > 0,
    });
    const version = session.spec.protocolVersion;
    if (version !== connection.spec.protocolVersion) {
      try {
        opts = publishOptions(flags, version, true, d.publish);
      } catch (err) {
        session.client.end(true);
        throw err;
      }
    }
    /** Set when the run must stop early: an acknowledgement that never came, or a QoS downgrade under --strict-qos. */
    let abortedWith: CliError | undefined;
    let signalAbort: () => void = () => {};
    const aborted = new Promise<void>((resolve) => {
      signalAbort = resolve;
    });
    const abort = (err: CliError): void => {
      abortedWith ??= err;
      stopInput();
      signalAbort();
    };
    const windowQos = source.kind === 'jsonl' ? (flags.qos ?? 2) : opts.qos;
    const pub = new FastPublisher(session.client, version, defaultWindow(version, windowQos, flags.maxInflight, 1000, session.connack.properties?.receiveMaximum), {
      template: opts,
      tap: ackTap,
      log: flags.debug === true ? (sent) => term.notice(`--> ${describePacket(sent)}`) : undefined,
      onDowngrade: () => {
        if (flags.strictQos === true) abort(downgradeError(true));
        else term.warn(downgradeError(false).message);
      },
    });
    const ackTimeoutMs = (flags.ackTimeout ?? DEFAULT_ACK_TIMEOUT_S) * 1000;
    const watchdog = setInterval(() => {
      if (pub.shortLivedConnections >= FRUITLESS_RECONNECTS) {
        abort(
          new NetworkError(`${describeEndpoint(session.spec)} dropped the connection ${FRUITLESS_RECONNECTS} times in a row within a second of accepting it, with ${pub.inFlight} messages in flight`, {
            hint: `The broker may limit unacknowledged messages per client (Mosquitto: 20 at QoS 2 under MQTT 3.1.1, max_inflight_messages): lower -M (it is ${pub.window}).`,
          }),
        );
        return;
      }
      if (!session.client.connected) return;
      const stall = pub.stalled(ackTimeoutMs);
      if (stall !== undefined) {
        abort(
          new TimeoutError(`no ${stall.waitingFor} for message id ${stall.id} (topic '${stall.topic}') within ${ackTimeoutMs / 1000} s`, {
            hint: 'The broker took the message but never acknowledged it: check its log. Raise --ack-timeout for a broker that is only slow.',
          }),
        );
      }
    }, Math.min(1_000, ackTimeoutMs / 4));
    let interrupted = false;
    let stopInput: () => void = () => {};
    let signalInterruption: () => void = () => {};
    /** Resolves at the first Ctrl-C / SIGTERM. */
    const interruption = new Promise<void>((resolve) => {
      signalInterruption = resolve;
    });
    /** The longest the acknowledgements are awaited after an interruption. */
    const graceOver = interruption.then(() => delay(GRACE_MS));
    const disposeSignals = onInterrupt(() => {
      interrupted = true;
      const waiting = pub.inFlight;
      if (waiting > 0) term.notice(`interrupted: waiting up to ${GRACE_MS / 1000} s for the acknowledgement of ${waiting} message${waiting === 1 ? '' : 's'} (again to quit now)`);
      signalInterruption();
      stopInput();
    });
    let endedWith: CliError | undefined;
    void session.ended.then((err) => {
      endedWith = err;
      stopInput();
    });
    let failed = false;
    let unconfirmedQos0 = false;
    /** A bad line of input: reading stops, what was sent is still acknowledged, then pub exits with it. */
    let inputError: CliError | undefined;
    try {
      if (payload === undefined) {
        const prepare =
          source.kind === 'jsonl'
            ? recordPreparer(flags, pub, version, codec, term)
            : (line: Buffer, n: number): Outgoing => ({ topic, payload: encodeWith(codec, line, `-l line ${n}`), qos: opts.qos, retain: opts.retain === true, properties: undefined, dueMs: undefined });
        const maxLine = source.kind === 'jsonl' ? MAX_JSONL_LINE : pub.maxPayload(topic, opts.qos);
        inputError = await publishLines(session, pub, maxLine, prepare, (stop) => (stopInput = stop), () => endedWith !== undefined);
      } else {
        const body = payload;
        brokerLimits(session, pub, topic, opts)(body.length);
        const count = flags.repeat ?? 1;
        for (let i = 0; i < count && !interrupted && endedWith === undefined; i++) {
          if (i > 0 && flags.repeatDelay !== undefined && flags.repeatDelay > 0) {
            await Promise.race([delay(flags.repeatDelay * 1000), interruption, aborted]);
          }
          await Promise.race([pub.room(), interruption, session.ended, aborted]);
          if (interrupted || endedWith !== undefined || abortedWith !== undefined) break;
          pub.publish(topic, body, opts.qos, opts.retain === true);
        }
      }
      await Promise.race([pub.drained(), session.ended, graceOver, aborted]);
      if (opts.qos === 0 && pub.stats.sent > 0 && endedWith === undefined && abortedWith === undefined && !interrupted) {
        // QoS 0 has no acknowledgement. A PINGREQ after the last message is answered once the broker has
        // read them all, unless it closes the connection first (over an oversize packet on MQTT 3.1.1, say).
        const read = await Promise.race([pub.brokerHasRead(), session.ended.then(() => false), delay(ackTimeoutMs).then(() => 'timeout' as const)]);
        if (read === 'timeout') {
          abortedWith = new TimeoutError(`no PINGRESP within ${ackTimeoutMs / 1000} s: the broker did not confirm it read the QoS 0 messages`, {
            hint: 'The broker or the link stalled; QoS 0 messages may be lost. Raise --ack-timeout for a broker that is only slow.',
          });
        } else if (!read && endedWith === undefined) unconfirmedQos0 = true;
      }
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      clearInterval(watchdog);
      disposeSignals();
      if (failed) session.client.end(true);
    }
    const failure =
      inputError ??
      abortedWith ??
      outcome(pub, endedWith, interrupted) ??
      (unconfirmedQos0
        ? new NetworkError(`${describeEndpoint(connection.spec)} closed the connection before confirming it had read every message`, {
            hint: 'QoS 0 messages are not acknowledged, so some may be lost. A broker drops the connection over a packet above its size limit or a protocol error: check its log, or use -q 1 to have every message confirmed.',
          })
        : undefined);
    if (endedWith === undefined && abortedWith === undefined) await session.close();
    else session.client.end(true);
    if (failure !== undefined) throw failure;
    if (lineMode && flags.debug === true) term.notice(`published ${pub.stats.sent} messages`);
  } finally {
    await connection.release();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** One message of a line-mode run, ready to publish; `dueMs` (--replay) is when to send it. */
interface Outgoing {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: Qos;
  readonly retain: boolean;
  /** Encoded MQTT 5 properties of this message (--jsonl), replacing the flags' ones. */
  readonly properties: Buffer | undefined;
  readonly dueMs: number | undefined;
}

/** A JSON line of --jsonl may hold a base64 payload: a third larger than the payload itself. */
const MAX_JSONL_LINE = 400 * 1024 * 1024;

/** JSON text in, the codec's bytes out; a usage error naming where the text came from. */
function encodeWith(codec: Codec | undefined, text: Buffer, where: string): Buffer {
  if (codec === undefined) return text;
  let value: unknown;
  try {
    value = JSON.parse(text.toString('utf8'));
  } catch (err) {
    throw new UsageError(`--encode ${codec.encoding}: ${where} is not JSON (${(err as Error).message})`, { hint: '--encode reads JSON text and writes the codec\'s bytes.' });
  }
  return encodeValue(codec, value, where);
}

function encodeValue(codec: Codec, value: unknown, where: string): Buffer {
  try {
    return codec.encode(value);
  } catch (err) {
    throw new UsageError(`--encode ${codec.encoding}: ${where} cannot be written as ${codec.encoding}: ${(err as Error).message}`);
  }
}

/** Flags that --jsonl's lines replace, and the replay flags that need --jsonl. */
function checkRecordFlags(flags: PubFlags, jsonl: boolean): void {
  if (!jsonl) {
    if (flags.replay === true || flags.replaySpeed !== undefined) throw new UsageError(`${flags.replay === true ? '--replay' : '--replay-speed'} replays --jsonl input: add --jsonl`);
    return;
  }
  if (flags.topic !== undefined) throw new UsageError('--jsonl takes each message\'s topic from its line: drop -t');
  if (flags.retain === true) throw new UsageError('--jsonl takes each message\'s retain flag from its line: drop -r');
  const property = V5_ONLY.find(([key]) => flags[key] !== undefined);
  if (property !== undefined) throw new UsageError(`--jsonl takes each message's MQTT 5 properties from its line: drop ${property[1]}`);
}

/** Codecs that need no schema: a --jsonl line decoded with one of them is written back without --encode. */
const SCHEMALESS = new Set<string>(['json', 'cbor', 'msgpack', 'sparkplug']);

/** --jsonl: each line a record as `sub -F jsonl` writes it; --replay keeps the recorded spacing. */
function recordPreparer(flags: PubFlags, pub: FastPublisher, version: 3 | 4 | 5, codec: Codec | undefined, term: Terminal): (line: Buffer, n: number) => Outgoing {
  const codecs = new Map<string, Codec>();
  if (codec !== undefined) codecs.set(codec.encoding, codec);
  const codecFor = (encoding: string, n: number): Codec => {
    let c = codecs.get(encoding);
    if (c !== undefined) return c;
    if (!SCHEMALESS.has(encoding)) {
      throw new UsageError(`--jsonl line ${n}: the payload was decoded as ${encoding}; to write it back, give --encode ${encoding}${encoding === 'protobuf' ? ':FILE.proto:package.Message' : encoding === 'avro' ? ':FILE.avsc' : ''}`);
    }
    c = loadCodec({ kind: encoding as 'json' | 'cbor' | 'msgpack' | 'sparkplug' }, '--encode');
    codecs.set(encoding, c);
    return c;
  };
  const speed = flags.replay === true || flags.replaySpeed !== undefined ? (flags.replaySpeed ?? 1) : undefined;
  let startMs: number | undefined;
  let firstAtMs: number | undefined;
  let warnedProperties = false;
  return (line, n) => {
    const r: JsonlRecord = parseRecord(line.toString('utf8'), n);
    const payload = r.payload.kind === 'bytes' ? r.payload.bytes : encodeValue(codecFor(r.payload.encoding, n), r.payload.value, `--jsonl line ${n}`);
    let properties: Buffer | undefined;
    if (r.properties !== undefined) {
      if (version === 5) properties = pub.encodeProperties(r.properties);
      else if (!warnedProperties) {
        warnedProperties = true;
        term.warn('MQTT 3.1.1 has no message properties: the lines\' properties are not sent');
      }
    }
    let dueMs: number | undefined;
    if (speed !== undefined) {
      startMs ??= performance.now();
      firstAtMs ??= r.atMs;
      dueMs = replayDue(startMs, firstAtMs, r.atMs, speed);
    }
    return { topic: r.topic, payload, qos: flags.qos ?? r.qos ?? 0, retain: r.retain, properties, dueMs };
  };
}

/**
 * stdin line mode (-l, --jsonl): read, split, prepare each line, publish in order. Reading pauses
 * while the window is full or the connection is down, so memory stays bounded by the window.
 * A line that cannot be published (bad JSON, too large) stops the input and is returned, so what
 * was already sent is still acknowledged before pub exits with it.
 */
function publishLines(
  session: Session,
  pub: FastPublisher,
  maxLine: number,
  prepare: (line: Buffer, n: number) => Outgoing,
  setStop: (stop: () => void) => void,
  sessionOver: () => boolean,
): Promise<CliError | undefined> {
  const stdin = process.stdin;
  const splitter = new LineSplitter(maxLine);
  const client = session.client;
  /** The broker's limits, checked once per topic (at most 1024 remembered). */
  const limits = new Map<string, (payloadBytes: number) => void>();
  /** The check of the previous message: -l sends every line with the same topic, QoS and retain. */
  let last: { topic: string; qos: Qos; retain: boolean; check: (payloadBytes: number) => void } | undefined;
  const checkSize = (m: Outgoing): void => {
    if (last === undefined || last.topic !== m.topic || last.qos !== m.qos || last.retain !== m.retain) {
      const key = `${m.qos}${m.retain ? 'r' : ''}/${m.topic}`;
      let check = limits.get(key);
      if (check === undefined) {
        check = brokerLimits(session, pub, m.topic, { qos: m.qos, retain: m.retain });
        if (limits.size < 1024) limits.set(key, check);
      }
      last = { topic: m.topic, qos: m.qos, retain: m.retain, check };
    }
    last.check(m.payload.length + (m.properties?.length ?? 0));
  };
  let lineNumber = 0;
  return new Promise<CliError | undefined>((resolve, reject) => {
    /** Ctrl-C, or the session ended: publish nothing new. */
    let stopped = false;
    let settled = false;
    let wakeReplay: () => void = () => {};
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      wakeReplay();
      stdin.removeListener('data', onData);
      stdin.pause();
      stdin.destroy();
      if (err === undefined) resolve(undefined);
      else if (isCliError(err)) resolve(err);
      else reject(err);
    };
    setStop(() => {
      stopped = true;
      settle();
    });
    const halted = (): boolean => stopped || settled || sessionOver();
    const waitUntilConnected = (): Promise<void> =>
      client.connected ? Promise.resolve() : new Promise((r) => client.once('connect', () => r()));
    /** --replay: sleeps until a message is due; a stop wakes it at once. */
    const until = (dueMs: number): Promise<void> =>
      new Promise((r) => {
        const timer = setTimeout(r, Math.max(0, dueMs - performance.now()));
        wakeReplay = () => {
          clearTimeout(timer);
          r();
        };
      });
    /** Publishes lines one window at a time. */
    const pump = async (lines: Buffer[]): Promise<void> => {
      for (const line of lines) {
        const m = prepare(line, ++lineNumber);
        if (m.dueMs !== undefined && m.dueMs > performance.now()) {
          pub.flush();
          await until(m.dueMs);
        }
        if (!pub.hasRoom() || !client.connected) {
          // No flush here: the batch goes out within WRITE_COALESCE_MS, after the acks of that millisecond refilled it.
          await waitUntilConnected();
          await pub.room();
        }
        if (halted()) return;
        checkSize(m);
        pub.publish(m.topic, m.payload, m.qos, m.retain, 0, m.properties);
      }
      pub.flush();
    };
    // Chunks are published strictly in order: 'end' can arrive while the last chunk still waits for room.
    let chain: Promise<void> = Promise.resolve();
    const onData = (chunk: Buffer): void => {
      stdin.pause();
      let lines: Buffer[];
      try {
        lines = splitter.push(chunk);
      } catch (err) {
        settle(err instanceof LineTooLongError ? tooLarge(undefined, err.limit) : err);
        return;
      }
      chain = chain.then(() => pump(lines)).then(() => {
        if (!halted()) stdin.resume();
      });
      chain.catch(settle);
    };
    stdin.on('data', onData);
    stdin.once('end', () => {
      chain = chain.then(async () => {
        const last = splitter.end();
        if (last !== undefined && last.length > 0) await pump([last]);
        settle();
      });
      chain.catch(settle);
    });
    stdin.once('error', (err) => settle(err));
  });
}
