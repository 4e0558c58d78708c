/**
 * The publish hot path, shared by `pub` and `bench`. MQTT.js spends most of its per-message
 * time on bookkeeping (store, callbacks, a cork per packet), which caps a pipeline well below
 * mosquitto_pub. Here PUBLISH packets are encoded by hand and written in batches
 * (batch-writer.ts) straight to the client's socket, with:
 * - a bounded in-flight window (never above the broker's Receive Maximum [MQTT-3.3.4-7]),
 *   socket back-pressure, and for QoS 0 PINGREQ checkpoints that keep it close to what the
 *   broker has read: callers await room();
 * - the QoS 1/2 flows of inflight.ts (MQTT.js ignores acks for ids it did not allocate), in
 *   flight messages kept across a reconnect and sent again in their original order.
 * MQTT.js still owns the connection: CONNECT, keepalive, parsing, reconnection.
 */
import type { MqttClient, Packet } from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { RejectedError } from '../errors.js';
import { MAX_REMAINING_LENGTH, type ProtocolVersion, type Qos } from '../protocol/types.js';
import { protocolViolationError, type AckTap } from './ack-tap.js';
import { BatchWriter } from './batch-writer.js';
import { InflightTable, type AckOutcome } from './inflight.js';
import { encodeAck, encodePublish, PINGREQ, publishPayload, publishPropertyBytes, publishSize, topicField } from './packet-encoder.js';
import { namedCode, refusedError } from './explain.js';

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
  /** Refused by the broker with a reason code >= 0x80 in PUBACK or PUBREC. */
  rejected: number;
  /** QoS 2 messages released whose PUBCOMP carried a reason code >= 0x80 (0x92: the broker lost the id). */
  unconfirmed: number;
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

/** Per-message completion hook, e.g. for bench's publish-to-ack latency; `failedCode` for a refused or unconfirmed message. */
export type AckListener = (tag: number, failedCode: number | undefined) => void;

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

/** What a QoS 1/2 message keeps while in flight. */
interface Held {
  readonly packet: Buffer;
  readonly tag: number;
  readonly topic: string;
}

/**
 * QoS 0 has no acknowledgement to pace it, so a publisher could run megabytes ahead of what the
 * broker has read, all of it queued in socket buffers. Every CHECKPOINT_BYTES of QoS 0 data is
 * followed by a PINGREQ, and no more than CHECKPOINTS_AHEAD of them may be unanswered: at most
 * 256 KiB the broker has not read. Measured with bench at QoS 0: the same throughput, and p50
 * latency 3-30 ms instead of 50-300 ms of queueing.
 */
const CHECKPOINT_BYTES = 64 * 1024;
const CHECKPOINTS_AHEAD = 4;

const ACK_TYPES = { 4: 'puback', 5: 'pubrec', 7: 'pubcomp' } as const;

export class FastPublisher {
  readonly stats: PublishStats = { sent: 0, completed: 0, rejected: 0, unconfirmed: 0, downgraded: 0 };
  firstRejection: RejectedError | undefined;
  /** The first QoS 2 message whose PUBCOMP did not confirm it. */
  firstUnconfirmed: RejectedError | undefined;
  private readonly flights = new InflightTable<Held>();
  private readonly writer: BatchWriter<number>;
  /** QoS 0 messages written but whose write callback has not fired. */
  private unflushedQos0 = 0;
  private qos0BytesSinceCheckpoint = 0;
  /** Messages published while the connection was down, with the tags of the QoS 0 ones; sent on reconnect. */
  private offline: Array<{ packet: Buffer; qos0Tag: number | undefined }> = [];
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
    this.writer = new BatchWriter<number>(
      () => client.stream,
      (qos0Tags, ok) => this.qos0Written(qos0Tags, ok),
      () => this.wake(),
    );
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
      if (this.flights.size > 0 && performance.now() - this.connectedAt < SHORT_CONNECTION_MS) this.shortConnections++;
      else this.shortConnections = 0;
      const waiting = this.pingWaiters;
      this.pingWaiters = [];
      for (const w of waiting) w.resolve(false);
    });
  }

  get inFlight(): number {
    return this.flights.size + this.unflushedQos0;
  }

  private topicBytes(topic: string): Buffer {
    let t = this.topicPrefix.get(topic);
    if (t === undefined) {
      t = topicField(topic);
      if (this.topicPrefix.size < 1024) this.topicPrefix.set(topic, t);
    }
    return t;
  }

  /** The largest payload a PUBLISH to `topic` can carry: the remaining length is at most 268,435,455 bytes [MQTT-1.5.5]. */
  maxPayload(topic: string, qos: Qos): number {
    return MAX_REMAINING_LENGTH - (this.topicBytes(topic).length + (qos > 0 ? 2 : 0) + this.propertyBytes.length);
  }

  /** The exact size of the PUBLISH packet this publisher writes for such a message. */
  packetSize(topic: string, qos: Qos, payloadBytes: number): number {
    return publishSize(this.topicBytes(topic), qos, this.propertyBytes, payloadBytes);
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
    const fields = { topic: this.topicBytes(topic), retain, dup: false, properties, payload };
    if (qos === 0) {
      this.unflushedQos0++;
      const packet = encodePublish({ ...fields, qos: 0, id: 0 });
      this.log?.({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false });
      this.send(packet, tag);
      this.qos0BytesSinceCheckpoint += packet.length;
      if (this.qos0BytesSinceCheckpoint >= CHECKPOINT_BYTES && this.client.connected) {
        this.qos0BytesSinceCheckpoint = 0;
        this.log?.({ cmd: 'pingreq' });
        this.send(PINGREQ);
        this.pingsSent++;
      }
      return;
    }
    let packet: Buffer = PINGREQ;
    const id = this.flights.open(qos, (id) => {
      packet = encodePublish({ ...fields, qos, id });
      return { packet, tag, topic };
    });
    this.log?.({ cmd: 'publish', topic, payload, qos, retain, dup: false, messageId: id });
    this.send(packet);
  }

  private send(packet: Buffer, qos0Tag?: number): void {
    if (!this.client.connected) this.offline.push({ packet, qos0Tag });
    else this.writer.push(packet, qos0Tag);
  }

  /** Writes what is batched to the socket now. */
  flush(): void {
    this.writer.flush();
  }

  private qos0Written(tags: number[], ok: boolean): void {
    this.unflushedQos0 -= tags.length;
    if (ok) {
      this.stats.completed += tags.length;
      if (this.onAck !== undefined) for (const tag of tags) this.onAck(tag, undefined);
    }
    this.wake();
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
    return this.apply(this.flights.acknowledge(ACK_TYPES[type], id, code));
  }

  private apply(o: AckOutcome<Held>): boolean {
    switch (o.kind) {
      case 'unknown':
        return false;
      case 'violation':
        // The broker broke the QoS flow: the connection ends with a protocol error (the session explains it).
        this.client.stream.destroy(protocolViolationError(o.what));
        return true;
      case 'release':
        this.lastProgressAt = performance.now();
        this.log?.({ cmd: 'pubrel', messageId: o.id });
        this.send(encodeAck('pubrel', o.id));
        return true;
      case 'delivered':
        if (o.downgraded && this.stats.downgraded++ === 0) this.onDowngrade?.();
        this.stats.completed++;
        this.finished(o.meta.tag, undefined);
        return true;
      case 'refused':
        this.stats.rejected++;
        this.firstRejection ??= refusedError(`publish to '${o.meta.topic}'`, o.packet, this.version, o.code);
        this.finished(o.meta.tag, o.code);
        return true;
      case 'unconfirmed':
        this.stats.unconfirmed++;
        this.firstUnconfirmed ??= this.unconfirmedError(o.id, o.meta.topic, o.code);
        this.finished(o.meta.tag, o.code);
        return true;
    }
  }

  private unconfirmedError(id: number, topic: string, code: number): RejectedError {
    const { label, hint } = namedCode('pubcomp', this.version, code);
    return new RejectedError(`message id ${id} (topic '${topic}') released but not confirmed: ${label}`, { hint });
  }

  private finished(tag: number, failedCode: number | undefined): void {
    this.lastProgressAt = performance.now();
    this.onAck?.(tag, failedCode);
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
    if (this.writer.writing) this.lastProgressAt = performance.now();
    if (performance.now() - this.lastProgressAt < ms) return undefined;
    const oldest = this.flights.oldest();
    return oldest === undefined ? undefined : { id: oldest.id, topic: oldest.meta.topic, waitingFor: oldest.waitingFor };
  }

  /** After a reconnect: what was in flight goes again, in order (inflight.ts says how), then what waited offline. */
  private resend(sessionPresent: boolean): void {
    this.lastProgressAt = performance.now();
    this.writer.reset();
    for (const r of this.flights.reconnected(sessionPresent)) {
      if (r.kind === 'pubrel') {
        this.log?.({ cmd: 'pubrel', messageId: r.id });
        this.writer.push(encodeAck('pubrel', r.id));
      } else this.writer.push(this.again(r.id, r.qos, r.meta));
    }
    const waiting = this.offline;
    this.offline = [];
    for (const p of waiting) this.writer.push(p.packet, p.qos0Tag);
    this.writer.flush();
    this.wake();
  }

  /** The PUBLISH of an in-flight message again, with DUP set [MQTT-3.3.1-1]. */
  private again(id: number, qos: 1 | 2, m: Held): Buffer {
    const packet = Buffer.from(m.packet);
    packet[0] = (packet[0] as number) | 0x08;
    this.log?.({ cmd: 'publish', topic: m.topic, payload: publishPayload(packet, this.version), qos, retain: ((packet[0] as number) & 1) === 1, dup: true, messageId: id });
    return packet;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters;
    this.waiters = [];
    for (const w of ready) w();
  }

  hasRoom(): boolean {
    return !this.writer.socketFull && this.flights.size < this.window && this.unflushedQos0 < this.window * 64 && this.pingsSent - this.pingsAnswered < CHECKPOINTS_AHEAD;
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
    this.writer.flush();
    this.log?.({ cmd: 'pingreq' });
    this.client.stream.write(PINGREQ);
    this.pingsSent++;
    const answered = this.pingsSent;
    return new Promise((resolve) => this.pingWaiters.push({ answered, resolve }));
  }

  /** Resolves once every message was acknowledged, refused or left unconfirmed (QoS 1/2) or written (QoS 0). */
  async drained(): Promise<void> {
    this.writer.flush();
    while (this.flights.size > 0 || this.unflushedQos0 > 0 || this.offline.length > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
