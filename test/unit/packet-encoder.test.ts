/** The hand-written encoders must write exactly what mqtt-packet writes for the same packet. */
import fc from 'fast-check';
import mqttPacket, { type IPublishPacket } from 'mqtt-packet';
import { expect, test } from 'vitest';
import { encodeAck, encodePublish, PINGREQ, publishPropertyBytes, publishSize, topicField } from '../../src/connection/packet-encoder.js';

const qos = fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>;
const topic = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((t) => !/[#+\u0000]/.test(t));
const properties = fc.option(
  fc.record(
    {
      contentType: fc.string({ maxLength: 20 }),
      messageExpiryInterval: fc.integer({ min: 0, max: 0xffffffff }),
      payloadFormatIndicator: fc.boolean(),
      responseTopic: fc.string({ minLength: 1, maxLength: 20 }),
      correlationData: fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
      userProperties: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { minKeys: 1, maxKeys: 3 }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

test('PUBLISH: every field, MQTT 3.1.1 and 5 (property)', () => {
  fc.assert(
    fc.property(
      topic,
      qos,
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 1, max: 65_535 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(4, 5) as fc.Arbitrary<4 | 5>,
      properties,
      (t, q, retain, dup, id, payload, version, props) => {
        const propertyBytes = publishPropertyBytes(version === 5 ? props : undefined, version);
        const ours = encodePublish({ topic: topicField(t), qos: q, retain, dup, id, properties: propertyBytes, payload: Buffer.from(payload) });
        const packet: IPublishPacket = { cmd: 'publish', topic: t, payload: Buffer.from(payload), qos: q, retain, dup: q > 0 && dup, messageId: id };
        if (q === 0 && dup) return; // DUP is only meaningful with QoS > 0 [MQTT-3.3.1-2]; we never set it there.
        if (version === 5 && props !== undefined) packet.properties = props;
        const theirs = mqttPacket.generate(q === 0 ? { ...packet, messageId: undefined } : packet, { protocolVersion: version });
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
        expect(publishSize(topicField(t), q, propertyBytes, payload.length)).toBe(theirs.length);
      },
    ),
  );
});

test('a payload over 2 MB gets a four-byte remaining length', () => {
  const payload = Buffer.alloc(2_100_000, 1);
  const ours = encodePublish({ topic: topicField('big'), qos: 1, retain: false, dup: false, id: 7, properties: Buffer.alloc(0), payload });
  expect(ours.equals(mqttPacket.generate({ cmd: 'publish', topic: 'big', payload, qos: 1, messageId: 7, retain: false, dup: false }))).toBe(true);
});

test('acks and PINGREQ (property)', () => {
  fc.assert(
    fc.property(fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp') as fc.Arbitrary<'puback'>, fc.integer({ min: 1, max: 65_535 }), (cmd, id) => {
      expect(encodeAck(cmd, id).equals(mqttPacket.generate({ cmd, messageId: id } as never, { protocolVersion: 4 }))).toBe(true);
      expect(encodeAck(cmd, id).equals(mqttPacket.generate({ cmd, messageId: id, reasonCode: 0 } as never, { protocolVersion: 5 }))).toBe(true);
    }),
  );
  expect(PINGREQ.equals(mqttPacket.generate({ cmd: 'pingreq' }))).toBe(true);
});
