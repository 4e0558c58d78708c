/**
 * The QoS 1 and 2 flows of outgoing messages as a pure state machine: packet ids, which
 * acknowledgement each message waits for, what to send in answer, and what to send again
 * after a reconnect. No I/O: the publisher (fast-publisher.ts) writes what it is told to.
 *
 * QoS 1: PUBLISH -> PUBACK. QoS 2: PUBLISH -> PUBREC, PUBREL -> PUBCOMP (MQTT 5 section 4.3.3).
 * Once PUBREL is sent, the PUBLISH is never sent again in that session [MQTT-4.3.3-6]; a PUBCOMP
 * saying the broker no longer knows the id (0x92) ends the message as not confirmed, it does
 * not start it over. A reason code >= 0x80 on PUBACK or PUBREC ends the message as refused, never
 * re-sent [MQTT-4.4.0-2].
 */

export type AckType = 'puback' | 'pubrec' | 'pubcomp';

/** Where a message stands: waiting for PUBACK/PUBREC (sent), or for PUBCOMP after our PUBREL (released). */
export type Stage = 'sent' | 'released';

export interface Flight<M> {
  readonly qos: 1 | 2;
  stage: Stage;
  readonly meta: M;
}

/** What an acknowledgement means for the message it names, and what the publisher must do. */
export type AckOutcome<M> =
  /** Acknowledged: done. `downgraded`: a QoS 2 message answered with PUBACK, so taken at QoS 1. */
  | { readonly kind: 'delivered'; readonly id: number; readonly meta: M; readonly downgraded: boolean }
  /** PUBACK or PUBREC with a reason code >= 0x80: the broker refused the message. */
  | { readonly kind: 'refused'; readonly id: number; readonly meta: M; readonly code: number; readonly packet: 'puback' | 'pubrec' }
  /** PUBREC accepted: send PUBREL for the id (again, for a repeated PUBREC). */
  | { readonly kind: 'release'; readonly id: number }
  /** PUBCOMP with a reason code >= 0x80 (0x92: the broker lost the id): released, but delivery not confirmed. */
  | { readonly kind: 'unconfirmed'; readonly id: number; readonly meta: M; readonly code: number }
  /** An acknowledgement that cannot follow what was sent for this id: the broker broke the protocol. */
  | { readonly kind: 'violation'; readonly id: number; readonly what: string }
  /** No message of ours has this id in flight: not ours to judge. */
  | { readonly kind: 'unknown'; readonly id: number };

/** After a reconnect, one message to send again: PUBREL (the broker kept the session) or the PUBLISH (with DUP). */
export type Resend<M> = { readonly kind: 'pubrel'; readonly id: number } | { readonly kind: 'publish'; readonly id: number; readonly qos: 1 | 2; readonly meta: M };

const MAX_ID = 65_535;

export class InflightTable<M> {
  private readonly flights = new Map<number, Flight<M>>();
  private nextId = 1;

  get size(): number {
    return this.flights.size;
  }

  /**
   * A packet id for a new message: the next one not in flight [MQTT-2.2.1-3]; ids wrap from
   * 65,535 to 1 (0 is never used). The caller keeps the window below 65,535. `meta` makes
   * what the caller keeps for the message, from its id (the encoded PUBLISH, say).
   */
  open(qos: 1 | 2, meta: (id: number) => M): number {
    if (this.flights.size >= MAX_ID) throw new RangeError('every packet identifier is in flight');
    let id = this.nextId;
    while (this.flights.has(id)) id = id === MAX_ID ? 1 : id + 1;
    this.nextId = id === MAX_ID ? 1 : id + 1;
    this.flights.set(id, { qos, stage: 'sent', meta: meta(id) });
    return id;
  }

  /** PUBACK, PUBREC or PUBCOMP with its packet id and reason code (0 when the packet has none). */
  acknowledge(type: AckType, id: number, code: number): AckOutcome<M> {
    const f = this.flights.get(id);
    if (f === undefined) return { kind: 'unknown', id };
    const refused = code >= 0x80;
    switch (type) {
      case 'puback':
        if (f.stage === 'released') return { kind: 'violation', id, what: `a PUBACK for message id ${id}, which is past PUBREC (QoS 2)` };
        this.flights.delete(id);
        // A broker without QoS 2 (RabbitMQ, AWS IoT Core, Azure IoT Hub) answers a QoS 2 PUBLISH with PUBACK: it took the message at QoS 1.
        return refused ? { kind: 'refused', id, meta: f.meta, code, packet: 'puback' } : { kind: 'delivered', id, meta: f.meta, downgraded: f.qos === 2 };
      case 'pubrec':
        if (f.qos === 1) return { kind: 'violation', id, what: `a PUBREC for message id ${id}, sent at QoS 1` };
        if (refused) {
          if (f.stage === 'released') return { kind: 'violation', id, what: `a refusing PUBREC for message id ${id} after an accepting one` };
          this.flights.delete(id);
          return { kind: 'refused', id, meta: f.meta, code, packet: 'pubrec' };
        }
        f.stage = 'released';
        return { kind: 'release', id };
      case 'pubcomp':
        if (f.qos === 1) return { kind: 'violation', id, what: `a PUBCOMP for message id ${id}, sent at QoS 1` };
        if (f.stage === 'sent') return { kind: 'violation', id, what: `a PUBCOMP for message id ${id} before its PUBREC` };
        this.flights.delete(id);
        return refused ? { kind: 'unconfirmed', id, meta: f.meta, code } : { kind: 'delivered', id, meta: f.meta, downgraded: false };
    }
  }

  /**
   * What to send again on a new connection, in publish order (a Map keeps insertion order, also
   * across id wrap) [MQTT-4.6.0-1]. With the session kept, a released message gets its PUBREL
   * again and the others their PUBLISH [MQTT-4.4.0-1]. Without it, the broker forgot every id:
   * each message goes again from its PUBLISH, so a message whose PUBCOMP never came is sent
   * once more rather than lost.
   */
  reconnected(sessionPresent: boolean): Array<Resend<M>> {
    const out: Array<Resend<M>> = [];
    for (const [id, f] of this.flights) {
      if (f.stage === 'released' && sessionPresent) out.push({ kind: 'pubrel', id });
      else {
        f.stage = 'sent';
        out.push({ kind: 'publish', id, qos: f.qos, meta: f.meta });
      }
    }
    return out;
  }

  /** The oldest message in flight and the acknowledgement it waits for. */
  oldest(): { id: number; meta: M; waitingFor: 'PUBACK' | 'PUBREC' | 'PUBCOMP' } | undefined {
    const first = this.flights.entries().next();
    if (first.done === true) return undefined;
    const [id, f] = first.value;
    return { id, meta: f.meta, waitingFor: f.qos === 1 ? 'PUBACK' : f.stage === 'released' ? 'PUBCOMP' : 'PUBREC' };
  }
}
