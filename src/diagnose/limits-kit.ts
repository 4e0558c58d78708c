/**
 * The instrument of `diagnose --limits`: connections that count themselves, a receiver on the
 * private prefix, and one publish whose fate is read as the broker showed it (delivered,
 * refused with a code, the connection ended, or silently dropped). Every wait is bounded, and
 * nothing starts after the deadline.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { IClientPublishOptions } from 'mqtt';
import type { AckTap } from '../connection/ack-tap.js';
import { connect, type ConnectOptions, type Session } from '../connection/session.js';
import { namedCode } from '../connection/explain.js';
import { isCliError, type CliError } from '../errors.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import type { Qos } from '../protocol/types.js';
import { withTimeout } from './probe.js';
import type { Enforcement } from '../report/limits-model.js';

export type Outcome =
  | { readonly kind: 'delivered'; readonly packet: IPublishPacket; readonly ackedWith: 'puback' | 'pubrec' | 'none' }
  | { readonly kind: 'refused'; readonly code: string }
  | { readonly kind: 'disconnected'; readonly code: string | undefined }
  | { readonly kind: 'dropped' };

/** How long a probe waits for one answer; a silent drop costs `dropWaitMs` instead. */
const ANSWER_MS = 3_000;

export class LimitsKit {
  messages = 0;
  connections = 0;
  /** How long a publish that was not refused may take to arrive before it counts as dropped. */
  dropWaitMs = 1_000;
  private publisherSession: Session | undefined;
  /** Set while a publish waits for its answer: the tap's 0x95 refusal. */
  private tooLarge: ((kind: 'puback' | 'pubrec') => void) | undefined;
  private seq = 0;

  private constructor(
    readonly spec: ConnectionSpec,
    private readonly dial: ConnectOptions,
    /** Every topic of the probe starts with it; the receiver holds `${prefix}/#`. */
    readonly prefix: string,
    private readonly deadline: number,
    readonly receiver: Session,
  ) {}

  /** The kit with its receiver connected (not yet subscribed), or the refusal. */
  static async start(spec: ConnectionSpec, dial: ConnectOptions, prefix: string, deadline: number): Promise<LimitsKit | CliError> {
    const receiver = await openSession(spec, dial, { clientId: `${spec.clientId}-r` }, {});
    if (!('client' in receiver)) return receiver;
    const kit = new LimitsKit(spec, dial, prefix, deadline, receiver);
    kit.connections = 1;
    return kit;
  }

  inTime(): boolean {
    return performance.now() < this.deadline;
  }

  /** A connection with this spec changed; the refusal as the error, so a search can read it. */
  async open(over: Partial<ConnectionSpec>, options: Partial<ConnectOptions> = {}): Promise<Session | CliError> {
    this.connections += 1;
    return openSession(this.spec, this.dial, over, options);
  }

  /** The publishing connection, opened again after a probe ended it. */
  async publisher(): Promise<Session> {
    if (this.publisherSession !== undefined && this.publisherSession.client.connected) return this.publisherSession;
    // MQTT.js's parser refuses a PUBACK or PUBREC carrying 0x95 and drops the connection; Mosquitto sends one
    // for an oversize PUBLISH. The tap reads it first, as the refusal it is.
    const tap: AckTap = {
      handler: (type, _id, code) => {
        if (code !== 0x95 || type === 7) return false;
        this.tooLarge?.(type === 4 ? 'puback' : 'pubrec');
        return true;
      },
    };
    const s = await this.open({ clientId: `${this.spec.clientId}-p` }, { ackTap: tap });
    if (!('client' in s)) throw s;
    this.publisherSession = s;
    return s;
  }

  /** A fresh topic under the prefix: `${prefix}/name/n`. */
  topic(name: string): string {
    this.seq += 1;
    return `${this.prefix}/${name}/${this.seq}`;
  }

  /** Publishes and reads the broker's answer: refused, connection ended, delivered to `via` (the receiver by default), or dropped. */
  async send(topic: string, payload: Buffer | string, options: IClientPublishOptions & { qos: Qos; byAliasOnly?: boolean }, via: MqttClient = this.receiver.client): Promise<Outcome> {
    const pub = await this.publisher();
    const client = pub.client;
    this.messages += 1;
    let onArrival: (t: string, p: Buffer, packet: IPublishPacket) => void = () => {};
    const arrival = new Promise<IPublishPacket>((resolve) => {
      onArrival = (_t, _p, packet) => {
        if (packet.topic === topic) resolve(packet);
      };
    });
    via.on('message', onArrival);
    let ackedWith: 'puback' | 'pubrec' | 'none' = 'none';
    const onPacket = (p: { cmd: string }): void => {
      if (p.cmd === 'puback' || p.cmd === 'pubrec') ackedWith = p.cmd;
    };
    client.on('packetreceive', onPacket);
    let code: string | undefined;
    const onDisconnect = (packet: { reasonCode?: number }): void => {
      if (packet.reasonCode !== undefined) code = namedCode('disconnect', 5, packet.reasonCode).label;
    };
    let onClose = (): void => {};
    const ended = new Promise<Outcome>((resolve) => {
      onClose = () => resolve({ kind: 'disconnected', code });
    });
    client.on('disconnect', onDisconnect);
    client.on('close', onClose);
    try {
      const { byAliasOnly, ...publishOptions } = options;
      // byAliasOnly: the topic goes out empty, named by the alias an earlier publish set [MQTT-3.3.2-8].
      const acked = client.publishAsync(byAliasOnly === true ? '' : topic, payload, publishOptions).then(
        (): Outcome | undefined => undefined,
        (e: Error & { code?: number }): Outcome => (typeof e.code === 'number' ? { kind: 'refused', code: namedCode(options.qos === 2 ? 'pubrec' : 'puback', this.spec.protocolVersion, e.code).label } : { kind: 'disconnected', code: undefined }),
      );
      const refusedTooLarge = new Promise<Outcome>((resolve) => {
        this.tooLarge = (kind) => resolve({ kind: 'refused', code: namedCode(kind, 5, 0x95).label });
      });
      // An acknowledgement takes a round trip plus the transfer (at 1 MB/s at worst).
      const answerMs = Math.min(ANSWER_MS, 2 * this.dropWaitMs + Buffer.byteLength(payload) / 1000);
      const answer = options.qos === 0 ? undefined : await withTimeout<Outcome | undefined | 'unanswered'>(Promise.race([acked, ended, refusedTooLarge]), answerMs, () => 'unanswered');
      if (answer === 'unanswered') {
        // Neither acknowledged nor refused: its packet identifier stays taken, so the next probes get a fresh connection.
        this.abandon(pub);
        return { kind: 'dropped' };
      }
      if (answer?.kind === 'refused' && answer.code.includes('0x95')) {
        // MQTT.js never saw the answer: the publish stays pending in it, so the next probes get a fresh connection.
        this.abandon(pub);
      }
      if (answer !== undefined) return answer;
      const got = await Promise.race([arrival, ended, delay(this.dropWaitMs).then(() => 'late' as const)]);
      if (got === 'late') return { kind: 'dropped' };
      return 'kind' in got ? got : { kind: 'delivered', packet: got, ackedWith };
    } finally {
      via.removeListener('message', onArrival);
      this.tooLarge = undefined;
      client.removeListener('packetreceive', onPacket);
      client.removeListener('disconnect', onDisconnect);
      client.removeListener('close', onClose);
    }
  }

  /**
   * Leaves a publisher whose publish MQTT.js still waits for: a clean close would wait for it in vain,
   * so the socket is closed at once (no will is set, so nothing is published for it).
   */
  private abandon(pub: Session): void {
    this.publisherSession = undefined;
    pub.client.end(true);
  }

  async close(): Promise<void> {
    await this.publisherSession?.close();
    await this.receiver.close();
  }
}

async function openSession(spec: ConnectionSpec, dial: ConnectOptions, over: Partial<ConnectionSpec>, options: Partial<ConnectOptions>): Promise<Session | CliError> {
  try {
    return await connect({ ...spec, ...over, reconnect: { ...spec.reconnect, enabled: false } }, { ...dial, ...options });
  } catch (err) {
    if (isCliError(err)) return err;
    throw err;
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** How an outcome that was not a delivery shows the limit. */
export function enforcementOf(o: Exclude<Outcome, { kind: 'delivered' }>): Enforcement {
  return o.kind === 'dropped' ? { kind: 'dropped' } : o.kind === 'refused' ? { kind: 'refused', code: o.code } : { kind: 'disconnected', code: o.code };
}
