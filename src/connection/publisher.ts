/**
 * Publishing with a bounded in-flight window: never publish without
 * back-pressure, never one-at-a-time awaits. Tracks what was sent, what the
 * broker acknowledged, and what it refused (PUBACK/PUBREC >= 0x80).
 */
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { RejectedError } from '../errors.js';
import { decodeReason, formatCode, type ProtocolVersion } from './reason-codes.js';
import type { Qos } from './values.js';

export interface PublishStats {
  sent: number;
  /** Acknowledged by the broker (QoS 1/2) or written to the socket (QoS 0). */
  completed: number;
  rejected: number;
  failed: number;
}

export class WindowedPublisher {
  readonly stats: PublishStats = { sent: 0, completed: 0, rejected: 0, failed: 0 };
  /** The first refusal, kept to report it by name. */
  firstRejection: RejectedError | undefined;
  firstFailure: Error | undefined;
  private inflight = 0;
  private waiters: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];

  constructor(
    private readonly client: MqttClient,
    private readonly version: ProtocolVersion,
    readonly window: number,
  ) {}

  get inFlight(): number {
    return this.inflight;
  }

  publish(topic: string, payload: Buffer, options: IClientPublishOptions & { qos: Qos }): void {
    this.inflight++;
    this.stats.sent++;
    this.client.publish(topic, payload, options, (err?: Error) => {
      this.inflight--;
      if (err === undefined || err === null) this.stats.completed++;
      else this.recordError(err, options.qos, topic);
      if (this.inflight < this.window) this.wake(this.waiters);
      if (this.inflight === 0) this.wake(this.drainWaiters);
    });
  }

  private recordError(err: Error, qos: Qos, topic: string): void {
    const code = (err as Error & { code?: unknown }).code;
    if (typeof code === 'number' && code >= 0x80) {
      this.stats.rejected++;
      if (this.firstRejection === undefined) {
        const info = decodeReason(qos === 2 ? 'pubrec' : 'puback', this.version, code);
        this.firstRejection = new RejectedError(`publish to '${topic}' refused: ${info.name} (${formatCode(code)})`, {
          hint: info.hint === undefined ? info.meaning : `${info.meaning} ${info.hint}`,
        });
      }
    } else {
      this.stats.failed++;
      this.firstFailure ??= err;
    }
  }

  private wake(list: Array<() => void>): void {
    const ready = list.splice(0);
    for (const fn of ready) fn();
  }

  /** Resolves once another message may be published. */
  room(): Promise<void> {
    if (this.inflight < this.window) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once nothing is in flight. */
  drained(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}
