/**
 * bench subscribers' receive path: PUBLISH and PUBREL frames from the ack tap, answered
 * with PUBACK / PUBREC / PUBCOMP written in one batch per millisecond, without MQTT.js's
 * per-packet parser, store and callbacks. QoS 2 is exactly once: a message is delivered
 * when its PUBLISH first arrives and its packet id is held until PUBREL, so a re-sent
 * PUBLISH with that id is answered but not delivered again [MQTT-4.3.3, method B].
 */
import type { ProtocolVersion } from '../protocol/types.js';
import type { AckTap } from '../connection/ack-tap.js';
import { readCompleteVarint } from '../connection/varint.js';
import { encodeAck, type AckKind } from '../connection/packet-encoder.js';
import { WRITE_COALESCE_MS } from '../connection/batch-writer.js';

export function leanReceiver(version: ProtocolVersion, tap: AckTap, deliver: (payload: Buffer) => void): (header: number, body: Buffer) => boolean {
  const awaitingRelease = new Set<number>();
  let acks: Buffer[] = [];
  let scheduled = false;
  const ack = (kind: AckKind, id: number): void => {
    acks.push(encodeAck(kind, id));
    if (!scheduled) {
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        const out = acks;
        acks = [];
        tap.write?.(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
      }, WRITE_COALESCE_MS);
    }
  };
  return (header, body) => {
    if (header >> 4 === 6) {
      const id = body.readUInt16BE(0);
      awaitingRelease.delete(id);
      ack('pubcomp', id);
      return true;
    }
    const qos = (header >> 1) & 3;
    let o = 2 + body.readUInt16BE(0);
    let id = 0;
    if (qos > 0) {
      id = body.readUInt16BE(o);
      o += 2;
    }
    if (version === 5) {
      // The tap hands over whole packets, so the properties length is complete.
      const properties = readCompleteVarint(body, o);
      o = properties.next + properties.value;
    }
    const payload = body.subarray(o);
    if (qos === 2) {
      if (!awaitingRelease.has(id)) {
        awaitingRelease.add(id);
        deliver(payload);
      }
      ack('pubrec', id);
    } else {
      deliver(payload);
      if (qos === 1) ack('puback', id);
    }
    return true;
  };
}
