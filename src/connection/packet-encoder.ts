/**
 * The packets the hot paths encode by hand instead of through mqtt-packet: PUBLISH (the
 * publish path) and the four-byte acks (publish path and bench receiver). Pure; a property
 * test holds every byte equal to mqtt-packet's `generate` for the same packet.
 */
import mqttPacket, { type IPublishPacket } from 'mqtt-packet';
import type { ProtocolVersion, Qos } from '../protocol/types.js';
import { encodeVarint, readCompleteVarint } from './varint.js';

export const PINGREQ = Buffer.from([0xc0, 0x00]);

/** The topic as a PUBLISH carries it: a two-byte length, then UTF-8. */
export function topicField(topic: string): Buffer {
  const name = Buffer.from(topic, 'utf8');
  const field = Buffer.allocUnsafe(2 + name.length);
  field.writeUInt16BE(name.length, 0);
  name.copy(field, 2);
  return field;
}

/** The bytes of a PUBLISH variable header after the topic and packet id: MQTT 5 properties, or nothing. */
export function publishPropertyBytes(properties: IPublishPacket['properties'], version: ProtocolVersion): Buffer {
  if (version !== 5) return Buffer.alloc(0);
  if (properties === undefined || Object.keys(properties).length === 0) return Buffer.from([0]);
  // Let mqtt-packet encode the properties once; with an empty payload they are the packet's tail.
  const probe = mqttPacket.generate(
    { cmd: 'publish', topic: 'x', payload: Buffer.alloc(0), qos: 1, messageId: 1, retain: false, dup: false, properties } as IPublishPacket,
    { protocolVersion: 5 },
  );
  let offset = 1;
  while (((probe[offset] as number) & 0x80) !== 0) offset++;
  offset += 1 + 3 + 2; // remaining length's last byte, topic "x" with its length, packet id
  return Buffer.from(probe.subarray(offset));
}

export interface PublishFields {
  /** From topicField(). */
  readonly topic: Buffer;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly dup: boolean;
  /** Ignored at QoS 0. */
  readonly id: number;
  /** From publishPropertyBytes(). */
  readonly properties: Buffer;
  readonly payload: Buffer;
}

export function publishSize(topic: Buffer, qos: Qos, properties: Buffer, payloadBytes: number): number {
  const remaining = topic.length + (qos > 0 ? 2 : 0) + properties.length + payloadBytes;
  return 1 + encodeVarint(remaining).length + remaining;
}

export function encodePublish(f: PublishFields): Buffer {
  const remaining = f.topic.length + (f.qos > 0 ? 2 : 0) + f.properties.length + f.payload.length;
  const len = encodeVarint(remaining);
  const buf = Buffer.allocUnsafe(1 + len.length + remaining);
  let o = 0;
  buf[o++] = 0x30 | (f.dup ? 0x08 : 0) | (f.qos << 1) | (f.retain ? 1 : 0);
  for (const b of len) buf[o++] = b;
  o += f.topic.copy(buf, o);
  if (f.qos > 0) {
    buf.writeUInt16BE(f.id, o);
    o += 2;
  }
  o += f.properties.copy(buf, o);
  f.payload.copy(buf, o);
  return buf;
}

const ACK_HEADER = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;
export type AckKind = keyof typeof ACK_HEADER;

/** A success ack: MQTT 5 lets reason code 0 and empty properties be left out [MQTT-3.4.2.1], so all versions share the four bytes. */
export function encodeAck(kind: AckKind, id: number): Buffer {
  return Buffer.from([ACK_HEADER[kind], 0x02, id >> 8, id & 0xff]);
}

/** The payload of a PUBLISH packet encodePublish() made (for --debug lines of packets sent again). */
export function publishPayload(packet: Buffer, version: ProtocolVersion): Buffer {
  const length = readCompleteVarint(packet, 1);
  const qos = ((packet[0] as number) >> 1) & 3;
  let o = length.next + 2 + packet.readUInt16BE(length.next) + (qos > 0 ? 2 : 0);
  if (version === 5) {
    const properties = readCompleteVarint(packet, o);
    o = properties.next + properties.value;
  }
  return packet.subarray(o);
}
