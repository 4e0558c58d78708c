/** Packets a broken broker or link sends: well-formed broker packets, then one mutation each (fast-check arbitraries). */
import fc from 'fast-check';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { encodeVarint, readVarint } from '../../src/connection/varint.js';

export const versions = fc.constantFrom(4 as const, 5 as const);

/** Well-formed packets a broker sends, as MQTT.js's encoder writes them: the material mutations start from. */
export const brokerPacket = fc.oneof(
  fc.record({ qos: fc.constantFrom(0, 1, 2), topic: fc.string({ minLength: 1, maxLength: 8 }), payload: fc.uint8Array({ maxLength: 16 }), id: fc.integer({ min: 1, max: 65_535 }), dup: fc.boolean(), retain: fc.boolean() }).map(
    (r) => ({ cmd: 'publish', topic: r.topic, payload: Buffer.from(r.payload), qos: r.qos, dup: r.qos > 0 && r.dup, retain: r.retain, ...(r.qos > 0 ? { messageId: r.id } : {}) }) as Packet,
  ),
  fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp'), id: fc.integer({ min: 1, max: 65_535 }) }).map((r) => ({ cmd: r.cmd, messageId: r.id, reasonCode: 0 }) as Packet),
  fc.record({ id: fc.integer({ min: 1, max: 65_535 }), granted: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 3 }) }).map((r) => ({ cmd: 'suback', messageId: r.id, granted: r.granted }) as Packet),
  fc.constant({ cmd: 'pingresp' } as Packet),
);

/**
 * A packet's bytes with one mutation a broken broker or link makes: a bit flipped or a byte set
 * anywhere (the remaining length included), another packet type, the body truncated or extended
 * and framed again, or a remaining length that disagrees with the body.
 */
export const mutated = fc
  .tuple(brokerPacket, versions, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'set', 'truncate', 'extend', 'type', 'length'))
  .map(([p, v, at, byte, how]) => {
    const original = Buffer.from(mqttPacket.generate(p, { protocolVersion: v }));
    const start = readVarint(original, 1);
    const body = original.subarray(start.kind === 'value' ? start.next : 2);
    const header = original[0]!;
    const i = at % original.length;
    const frame = Buffer.from(original);
    switch (how) {
      case 'flip':
        frame[i] = frame[i]! ^ (1 << (byte % 8));
        return { version: v, frame };
      case 'set':
        frame[i] = byte;
        return { version: v, frame };
      case 'type':
        frame[0] = (byte & 0xf0) | (header & 0x0f);
        return { version: v, frame };
      case 'truncate':
        return { version: v, frame: framed(header, body.subarray(0, i % Math.max(1, body.length))) };
      case 'extend':
        return { version: v, frame: framed(header, Buffer.concat([body, Buffer.from([byte])])) };
      case 'length':
        return { version: v, frame: Buffer.concat([Buffer.from([header, ...encodeVarint(byte % 16)]), body]) };
    }
  });

/** A packet with this fixed-header byte and body, its remaining length right. */
function framed(header: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([header, ...encodeVarint(body.length)]), body]);
}
