/** Checks on what the broker sends after CONNACK: packets a client must close the connection over. */
import type { IPublishPacket } from 'mqtt';
import type { ProtocolVersion } from '../protocol/types.js';

/**
 * mqtt-packet decodes a topic that is not UTF-8 with U+FFFD in place of the bad bytes. Under 3.1.1
 * the packet's length tells the original topic length, so a mismatch proves it; MQTT 5's property
 * bytes are not kept, so there U+FFFD itself is taken as the sign (a real topic practically never has it).
 */
function hasInvalidUtf8Topic(packet: IPublishPacket & { length?: number }, version: ProtocolVersion): boolean {
  if (!packet.topic.includes('\uFFFD')) return false;
  if (version === 5 || packet.length === undefined) return true;
  const payload = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
  const rawTopicBytes = packet.length - 2 - (packet.qos > 0 ? 2 : 0) - payload;
  return Buffer.byteLength(packet.topic, 'utf8') !== rawTopicBytes;
}

/**
 * A parsed PUBLISH the receiver must close the connection over: a topic that is not UTF-8
 * [MQTT-1.5.4-1]. What its bytes alone show (a QoS 1/2 PUBLISH with packet identifier 0, say) the
 * frame check (frame-check.ts) has refused before MQTT.js parsed it.
 */
export function publishViolation(packet: IPublishPacket, version: ProtocolVersion): string | undefined {
  return hasInvalidUtf8Topic(packet, version) ? 'a PUBLISH whose topic is not valid UTF-8' : undefined;
}
