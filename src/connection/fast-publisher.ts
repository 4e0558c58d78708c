/**
 * The publish hot path, shared by `pub` and `bench`. MQTT.js spends most of its
 * per-message time on bookkeeping (store, callbacks, a cork per packet), which
 * caps a pipeline well below mosquitto_pub. Here PUBLISH packets are encoded
 * into one buffer per batch and written straight to the client's socket, with:
 * - a bounded in-flight window (never above the broker's Receive Maximum
 *   [MQTT-3.3.4-7]), socket back-pressure, and for QoS 0 PINGREQ checkpoints
 *   that keep it close to what the broker has read: callers await room();
 * - our own PUBACK / PUBREC / PUBREL / PUBCOMP handling (MQTT.js ignores acks
 *   for ids it did not allocate);
 * - in-flight messages kept across a reconnect and re-sent in their original
 *   order with DUP set [MQTT-4.4.0-1, MQTT-4.6.0-1]; a refusal (>= 0x80) counts
 *   as acknowledged and is never re-sent [MQTT-4.4.0-2].
 * MQTT.js still owns the connection: CONNECT, keepalive, parsing, reconnection.
 */
import type { MqttClient, Packet } from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { RejectedError } from '../errors.js';
import type { AckTap } from './ack-tap.js';
import { readCompleteVarint } from './varint.js';
import { encodeAck, encodePublish, PINGREQ, publishPropertyBytes, publishSize, topicField } from './packet-encoder.js';
import { WRITE_COALESCE_MS } from './transport/coalesce-writes.js';
import { decodeReason, formatCode } from './reason-codes.js';
import { type ProtocolVersion, MAX_REMAINING_LENGTH, type Qos } from '../protocol/types.js';

/**
 * The in-flight window for QoS 2 under MQTT 3.1.1, which has no Receive Maximum to learn the
 * broker's limit from. Mosquitto holds at most 20 unreleased QoS 2 messages per client by default
 * (max_inflight_messages) and drops a 3.1.1 client that sends more, so a larger window turns a slow
 * link into a reconnect loop. mosquitto_pub's own default is 20 too.
 */
export const V311_QOS2_WINDOW = 20;

/** A connection lost sooner than this after its CONNACK, with messages in flight, counts as short-lived. */
const SHORT_CONNECTION_MS = 1_000;

/** The default window: 1000 (bench: its own), never above the broker's Receive Maximum, 20 for QoS 2 without one. */
export function defaultWindow(version: ProtocolVersion, qos: Qos, asked: number | undefined, fallback: number, receiveMaximum: number | undefined): number {
  const wanted = asked ?? (version !== 5 && qos === 2 ? Math.min(fallback, V311_QOS2_WINDOW) : fallback);
  return Math.min(wanted, receiveMaximum ?? 65_535);
}

export interface PublishStats {
  sent: number;
  /** Acknowledged (QoS 1/2) or handed to the socket (QoS 0). */
  completed: number;
  /** Refused by the broker with a reason code >= 0x80. */
  rejected: number;
  /** QoS 2 messages the broker answered with PUBACK: it took them at QoS 1 (also counted as completed). */
  downgraded: number;
}

export interface PublishTemplate {
  readonly topic: string;
  readonly qos: Qos;
  readonly retain: boolean;
  /** MQTT 5 PUBLISH properties. */
  readonly properties?: IPublishPacket['properties'];
}

/** Per-message completion hook, e.g. for bench's publish-to-ack latency. */
export type AckListener = (tag: number, rejectedCode: number | undefined) => void;

export interface PublisherOptions {
  /** MQTT 5 PUBLISH properties, the same for every message. */
  template?: Pick<PublishTemplate, 'properties'>;
  onAck?: AckListener;
  /** Called at the first QoS 2 message the broker answers with PUBACK (a broker without QoS 2). */
  onDowngrade?: () => void;
  /** Takes the acks off the socket before MQTT.js parses them (see ack-tap.ts). */
  tap?: AckTap;
  /** --debug: each packet this publisher writes (MQTT.js never sees them). */
  log?: (sent: Packet) => void;
}

interface InFlight {
  packet: Buffer;
  qos: 1 | 2;
  /** QoS 2: PUBREC seen, PUBREL is what must be (re)sent. */
  released: boolean;
  tag: number;
  topic: string;
}

const FLUSH_BYTES = 64 * 1024;
/**
 * QoS 0 has no acknowledgement to pace it, so a publisher could run megabytes ahead of what the
 * broker has read, all of it queued in socket buffers. Every CHECKPOINT_BYTES of QoS 0 data is
 * followed by a PINGREQ, and no more than CHECKPOINTS_AHEAD of them may be unanswered: at most
 * 256 KiB the broker has not read. Measured with bench at QoS 0: the same throughput, and p50
 * latency 3-30 ms instead of 50-300 ms of queueing.
 */
const CHECKPOINT_BYTES = 64 * 1024;
const CHECKPOINTS_AHEAD = 4;

export class FastPublisher {
  readonly stats: PublishStats = { sent: 0, completed: 0, rejected: 0, downgraded: 0 };
  firstRejection: RejectedError | undefined;
  private readonly inflight = new Map<number, InFlight>();
  private nextId = 1;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  private socketFull = false;
  /** QoS 0 messages written but whose write callback has not fired. */
  private unflushedQos0 = 0;
  private qos0BytesSinceCheckpoint = 0;
  private pendingQos0Tags: number[] = [];
  /** Messages published while the connection was down; sent on reconnect. */
  private offline: Buffer[] = [];
  private waiters: Array<() => void> = [];
  /** PINGREQs written on this connection (ours and MQTT.js's keepalive) and PINGRESPs received. */
  private pingsSent = 0;
  private pingsAnswered = 0;
  private pingWaiters: Array<{ answered: number; resolve: (answered: boolean) => void }> = [];
  private readonly topicPrefix = new Map<string, Buffer>();
  private readonly propertyBytes: Buffer;

  private readonly onAck: AckListener | undefined;
  private readonly onDowngrade: (() => void) | undefined;
  /** When an acknowledgement last arrived or in-flight messages were (re)sent: the ack timeout counts from it. */
  private lastProgressAt = performance.now();
  /** When the current connection was accepted, and connections in a row lost soon after with messages in flight. */
  private connectedAt = performance.now();
  private shortConnections = 0;
  private readonly log: ((sent: Packet) => void) | undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly version: ProtocolVersion,
    readonly window: number,
    options: PublisherOptions = {},
  ) {
    const { template = {}, onAck, tap, log, onDowngrade } = options;
    this.onAck = onAck;
    this.onDowngrade = onDowngrade;
    this.log = log;
    this.propertyBytes = publishPropertyBytes(template.properties, version);
    // Acks the tap in connect() did not take (it is off with --debug) still arrive here.
    client.on('packetreceive', (p: Packet) => this.onPacket(p));
    client.on('packetsend', (p: Packet) => {
      if (p.cmd === 'pingreq') this.pingsSent++;
    });
    if (tap !== undefined) tap.handler = (type, id, code) => this.handleAck(type, id, code);
    client.on('connect', (connack: { sessionPresent?: boolean }) => {
      this.connectedAt = performance.now();
      this.pingsSent = 0;
      this.pingsAnswered = 0;
      this.resend(connack.sessionPresent === true);
    });
    client.on('close', () => {
      if (this.inflight.size > 0 && performance.now() - this.connectedAt < SHORT_CONNECTION_MS) this.shortConnections++;
      else this.shortConnections = 0;
      const waiting = this.pingWaiters;
      this.pingWaiters = [];
      for (const w of waiting) w.resolve(false);
    });
  }

  get inFlight(): number {
    return this.inflight.size + this.unflushedQos0;
  }

  private topicBytes(topic: string): Buffer {
    let t = this.topicPrefix.get(topic);
    if (t === undefined) {
      t = topicField(topic);
      if (this.topicPrefix.size < 1024) this.topicPrefix.set(topic, t);
    }
    return t;
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id === 65_535 ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
  }

  /** The largest payload a PUBLISH to `topic` can carry: the remaining length is at most 268,435,455 bytes [MQTT-1.5.5]. */
  maxPayload(topic: string, qos: Qos): number {
    return MAX_REMAINING_LENGTH - (this.topicBytes(topic).length + (qos > 0 ? 2 : 0) + this.propertyBytes.length);
  }

  /** The exact size of the PUBLISH packet this publisher writes for such a message. */
  packetSize(topic: string, qos: Qos, payloadBytes: number): number {
    return publishSize(this.topicBytes(topic), qos, this.propertyBytes, payloadBytes);
  }

  private encode(topic: string, qos: Qos, retain: boolean, id: number, payload: Buffer, properties: Buffer): Buffer {
    return encodePublish({ topic: this.topicBytes(topic), qos, retain, dup: false, id, properties, payload });
  }

  /** MQTT 5 PUBLISH properties of one message, encoded, for publish(): they replace the template's. */
  encodeProperties(properties: IPublishPacket['properties']): Buffer {
    return publishPropertyBytes(properties, this.version);
  }

  /**
   * Queues one message; returns at once. Await room() before the next when it matters.
   * `properties` (from encodeProperties) replace the template's for this message.
   */
  publish(topic: string, payload: Buffer, qos: Qos, retain: boolean, tag = 0, properties: Buffer = this.propertyBytes): void {
    this.stats.sent++;
    if (qos === 0) {
      this.unflushedQos0++;
      this.pendingQos0Tags.push(tag);
      const packet = this.encode(topic, 0, retain, 0, payload, properties);
      this.log?.({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false });
      this.send(packet);
      this.qos0BytesSinceCheckpoint += packet.length;
      if (this.qos0BytesSinceCheckpoint >= CHECKPOINT_BYTES && this.client.connected) {
        this.qos0BytesSinceCheckpoint = 0;
        this.log?.({ cmd: 'pingreq' });
        this.send(PINGREQ);
        this.pingsSent++;
      }
      return;
    }
    const id = this.allocateId();
    const packet = this.encode(topic, qos, retain, id, payload, properties);
    this.inflight.set(id, { packet, qos, released: false, tag, topic });
    this.log?.({ cmd: 'publish', topic, payload, qos, retain, dup: false, messageId: id });
    this.send(packet);
  }

  private send(packet: Buffer): void {
    if (!this.client.connected) {
      this.offline.push(packet);
      return;
    }
    this.batch.push(packet);
    this.batchBytes += packet.length;
    if (this.batchBytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => this.flush(), WRITE_COALESCE_MS);
    }
  }

  /** Writes the batch to the socket in one call. */
  flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    const data = this.batch.length === 1 ? (this.batch[0] as Buffer) : Buffer.concat(this.batch, this.batchBytes);
    const qos0Tags = this.pendingQos0Tags;
    this.batch = [];
    this.batchBytes = 0;
    this.pendingQos0Tags = [];
    const stream = this.client.stream;
    const ok = stream.write(data, (err?: Error | null) => {
      if (qos0Tags.length === 0) return;
      this.unflushedQos0 -= qos0Tags.length;
      if (err === undefined || err === null) {
        this.stats.completed += qos0Tags.length;
        if (this.onAck !== undefined) for (const tag of qos0Tags) this.onAck(tag, undefined);
      }
      this.wake();
    });
    if (!ok && !this.socketFull) {
      this.socketFull = true;
      stream.once('drain', () => {
        this.socketFull = false;
        this.wake();
      });
    }
  }

  private onPacket(p: Packet): void {
    if (p.cmd === 'pingresp') {
      this.pingsAnswered++;
      const due = this.pingWaiters.filter((w) => w.answered <= this.pingsAnswered);
      this.pingWaiters = this.pingWaiters.filter((w) => w.answered > this.pingsAnswered);
      for (const w of due) w.resolve(true);
      this.wake();
      return;
    }
    const type = ({ puback: 4, pubrec: 5, pubcomp: 7 } as const)[p.cmd as 'puback' | 'pubrec' | 'pubcomp'];
    if (type !== undefined) this.handleAck(type, p.messageId as number, (p as { reasonCode?: number }).reasonCode ?? 0);
  }

  /** PUBACK (4), PUBREC (5) or PUBCOMP (7) for one of our ids; returns false when the id is not ours. */
  handleAck(type: 4 | 5 | 7, id: number, code: number): boolean {
    const m = this.inflight.get(id);
    if (m === undefined) return false;
    if (type === 4) {
      if (m.qos === 2 && !m.released) {
        // A broker without QoS 2 (RabbitMQ, AWS IoT Core, Azure IoT Hub) answers a QoS 2 PUBLISH with
        // PUBACK: it took the message at QoS 1. Waiting for a PUBREC that never comes would hang.
        if (this.stats.downgraded++ === 0) this.onDowngrade?.();
      } else if (m.qos !== 1) return false;
      this.complete(id, m, code);
    } else if (type === 7) {
      if (m.qos !== 2) return false;
      if (code === 0x92 && m.released) {
        // Packet Identifier not found: the broker no longer knows this message (its session was lost),
        // so our PUBREL released nothing. It was not delivered: send it again from the PUBLISH.
        m.released = false;
        this.republish(id, m);
        this.flush();
        return true;
      }
      this.complete(id, m, undefined);
    } else {
      if (m.qos !== 2) return false;
      if (code >= 0x80) this.complete(id, m, code);
      else {
        this.lastProgressAt = performance.now();
        m.released = true;
        this.send(this.pubrel(id));
      }
    }
    return true;
  }

  /** The payload of a PUBLISH packet this publisher encoded (for --debug). */
  private payloadOf(packet: Buffer): Buffer {
    const length = readCompleteVarint(packet, 1);
    let o = length.next + 2 + packet.readUInt16BE(length.next) + 2;
    if (this.version === 5) {
      const properties = readCompleteVarint(packet, o);
      o = properties.next + properties.value;
    }
    return packet.subarray(o);
  }

  private pubrel(id: number): Buffer {
    this.log?.({ cmd: 'pubrel', messageId: id });
    return encodeAck('pubrel', id);
  }

  private complete(id: number, m: InFlight, code: number | undefined): void {
    this.lastProgressAt = performance.now();
    this.inflight.delete(id);
    if (code !== undefined && code >= 0x80) {
      this.stats.rejected++;
      if (this.firstRejection === undefined) {
        const info = decodeReason(m.qos === 2 ? 'pubrec' : 'puback', this.version, code);
        this.firstRejection = new RejectedError(`publish to '${m.topic}' refused: ${info.name} (${formatCode(code)})`, {
          hint: info.hint === undefined ? info.meaning : `${info.meaning} ${info.hint}`,
        });
      }
      this.onAck?.(m.tag, code);
    } else {
      this.stats.completed++;
      this.onAck?.(m.tag, undefined);
    }
    this.wake();
  }

  /**
   * Connections in a row lost within SHORT_CONNECTION_MS of their CONNACK with messages in flight:
   * a broker that drops us over what we send (too many unacknowledged messages, say), not a link
   * that failed once.
   */
  get shortLivedConnections(): number {
    return this.shortConnections;
  }

  /**
   * The oldest in-flight message and the acknowledgement it waits for, when none arrived for
   * `ms` although every byte was handed to the socket: a broker that never acknowledges.
   * The caller checks only while connected; time spent writing a large message does not count.
   */
  stalled(ms: number): { id: number; topic: string; waitingFor: 'PUBACK' | 'PUBREC' | 'PUBCOMP' } | undefined {
    const writing = this.batch.length > 0 || this.socketFull || (this.client.stream?.writableLength ?? 0) > 0;
    if (writing) this.lastProgressAt = performance.now();
    if (this.inflight.size === 0 || performance.now() - this.lastProgressAt < ms) return undefined;
    const [id, m] = this.inflight.entries().next().value as [number, InFlight];
    return { id, topic: m.topic, waitingFor: m.qos === 1 ? 'PUBACK' : m.released ? 'PUBCOMP' : 'PUBREC' };
  }

  /**
   * After a reconnect: what was in flight goes again, in order, then what waited offline.
   * A QoS 2 message past PUBREC is released with PUBREL only when the broker kept our session;
   * without it the broker dropped the message with the session, so it goes again from PUBLISH
   * (a PUBCOMP for the PUBREL would otherwise pass for delivery: issue #16).
   */
  private resend(sessionPresent: boolean): void {
    this.lastProgressAt = performance.now();
    this.socketFull = false;
    this.batch = [];
    this.batchBytes = 0;
    // A Map iterates in insertion order, which is publish order, also across packet-id wrap.
    for (const [id, m] of this.inflight) {
      if (m.released && sessionPresent) this.send(this.pubrel(id));
      else {
        m.released = false;
        this.republish(id, m);
      }
    }
    const waiting = this.offline;
    this.offline = [];
    for (const p of waiting) this.send(p);
    this.flush();
    this.wake();
  }

  /** The PUBLISH of an in-flight message again, with DUP set [MQTT-3.3.1-1]. */
  private republish(id: number, m: InFlight): void {
    const again = Buffer.from(m.packet);
    again[0] = (again[0] as number) | 0x08;
    if (this.log !== undefined) this.log({ cmd: 'publish', topic: m.topic, payload: this.payloadOf(again), qos: m.qos, retain: ((again[0] as number) & 1) === 1, dup: true, messageId: id });
    this.send(again);
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters;
    this.waiters = [];
    for (const w of ready) w();
  }

  hasRoom(): boolean {
    return !this.socketFull && this.inflight.size < this.window && this.unflushedQos0 < this.window * 64 && this.pingsSent - this.pingsAnswered < CHECKPOINTS_AHEAD;
  }

  /** Resolves once another message may be published without unbounded buffering. */
  async room(): Promise<void> {
    while (!this.hasRoom()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Resolves with true once the broker has read everything written so far on this connection:
   * a PINGREQ goes after it, and the broker answers the packets of one connection in order. The
   * only completion a QoS 0 publish has. Resolves with false when the connection closed first.
   */
  brokerHasRead(): Promise<boolean> {
    if (!this.client.connected) return Promise.resolve(false);
    this.flush();
    this.log?.({ cmd: 'pingreq' });
    this.client.stream.write(PINGREQ);
    this.pingsSent++;
    const answered = this.pingsSent;
    return new Promise((resolve) => this.pingWaiters.push({ answered, resolve }));
  }

  /** Resolves once every message was acknowledged or refused (QoS 1/2) or written (QoS 0). */
  async drained(): Promise<void> {
    this.flush();
    while (this.inflight.size > 0 || this.unflushedQos0 > 0 || this.offline.length > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
