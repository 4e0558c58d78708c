/** The limits a PUBLISH must keep: the broker's, from its CONNACK, and MQTT's own. */
import type { FastPublisher } from '../connection/fast-publisher.js';
import type { Session } from '../connection/session.js';
import { RejectedError, UsageError } from '../errors.js';
import type { Qos } from '../protocol/types.js';

/**
 * A Topic Alias the broker said it does not take: above the Topic Alias Maximum of its CONNACK,
 * which is 0 (no aliases at all) when absent [MQTT-3.3.2-9]. Refused before anything is sent.
 */
export function checkTopicAlias(session: Session, alias: number): void {
  const maximum = session.connack.properties?.topicAliasMaximum ?? 0;
  if (alias <= maximum) return;
  throw new UsageError(`topic alias ${alias} is above the broker's Topic Alias Maximum (${maximum}, from its CONNACK) [MQTT-3.3.2-9]`, {
    hint: maximum === 0 ? 'This broker takes no topic aliases: drop --topic-alias (or -D publish topic-alias).' : `Use a topic alias from 1 to ${maximum}.`,
  });
}

/**
 * Checks the broker's advertised limits once, before sending [MQTT-3.2.2-11], [MQTT-3.2.2-14],
 * and returns a check of each message's packet size against its Maximum Packet Size [MQTT-3.2.2-15].
 */
export function brokerLimits(session: Session, pub: FastPublisher, topic: string, opts: { qos: Qos; retain?: boolean }): (payloadBytes: number) => void {
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
export function tooLarge(payloadBytes: number | undefined, largest: number): UsageError {
  return new UsageError(
    `${payloadBytes === undefined ? 'a line of stdin is' : `a payload of ${payloadBytes.toLocaleString('en-US')} bytes is`} larger than an MQTT packet can carry with this topic (${largest.toLocaleString('en-US')} bytes; the remaining length of a packet is at most 268,435,455 bytes)`,
    { hint: 'Split the data, or send it another way.' },
  );
}
