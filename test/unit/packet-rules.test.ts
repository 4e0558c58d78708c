/** Each rule of the outbound checker, fed a sequence that breaks it, and a clean sequence that does not. */
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, test } from 'vitest';
import { ConnectionRules, RULES, type SessionState } from '../helpers/packet-rules.js';

type Step = ['c' | 's', Packet | Buffer] | ['wait', number];

const gen = (p: Packet, v: 4 | 5): Buffer => mqttPacket.generate(p, { protocolVersion: v });
const connect = (v: 4 | 5, extra: Record<string, unknown> = {}): Packet => ({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: v, clean: true, clientId: 'c1', keepalive: 60, ...extra }) as Packet;
const connack = (properties?: Record<string, unknown>, sessionPresent = false): Packet => ({ cmd: 'connack', sessionPresent, reasonCode: 0, returnCode: 0, ...(properties === undefined ? {} : { properties }) }) as Packet;
const publish = (id: number, qos: 0 | 1 | 2, extra: Record<string, unknown> = {}): Packet =>
  ({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos, dup: false, retain: false, ...(qos > 0 ? { messageId: id } : {}), ...extra }) as Packet;
const ack = (cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', id: number, reasonCode = 0): Packet => ({ cmd, messageId: id, reasonCode }) as Packet;

function run(steps: Step[], v: 4 | 5 = 5, sessions = new Map<string, SessionState>()): string[] {
  const r = new ConnectionRules(sessions);
  let now = 0;
  for (const [dir, p] of steps) {
    if (dir === 'wait') {
      now += p;
      continue;
    }
    const frame = Buffer.isBuffer(p) ? p : gen(p, v);
    if (dir === 'c') r.client(frame, now);
    else r.server(frame);
  }
  return r.violations.map((x) => x.rule);
}

const open = (v: 4 | 5 = 5, properties?: Record<string, unknown>): Step[] => [['c', connect(v)], ['s', connack(properties)]];

const cases: Array<[string, Step[], 4 | 5]> = [
  ['MQTT-3.1.0-1', [['c', publish(0, 0)]], 5],
  ['MQTT-3.1.0-2', [...open(), ['c', connect(5)]], 5],
  ['MQTT-2.1.3-1', [...open(), ['c', Buffer.from([0x41, 0x03, 0x00, 0x01, 0x00])]], 5],
  ['MQTT-1.5.5-1', [...open(), ['c', Buffer.from([0x30, 0x02, 0x00, 0x05])]], 5],
  ['MQTT-3.1.2-3', [['c', Buffer.concat([Buffer.from([0x10, 0x0d, 0x00, 0x04]), Buffer.from('MQTT'), Buffer.from([0x04, 0x03, 0x00, 0x3c, 0x00, 0x01, 0x61])])]], 4],
  ['MQTT-3.1.2-11', [['c', Buffer.concat([Buffer.from([0x10, 0x0d, 0x00, 0x04]), Buffer.from('MQTT'), Buffer.from([0x04, 0x22, 0x00, 0x3c, 0x00, 0x01, 0x61])])]], 4],
  ['MQTT-3.1.2-22', [['c', Buffer.concat([Buffer.from([0x10, 0x10, 0x00, 0x04]), Buffer.from('MQTT'), Buffer.from([0x04, 0x42, 0x00, 0x3c, 0x00, 0x01, 0x61, 0x00, 0x01, 0x70])])]], 4],
  ['MQTT-2.2.1-3', [...open(4), ['c', Buffer.from([0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 0x74, 0x00])]], 4],
  ['MQTT-3.3.1-2', [...open(), ['c', Buffer.from([0x38, 0x04, 0x00, 0x01, 0x74, 0x00])]], 5],
  ['MQTT-3.3.1-4', [...open(), ['c', Buffer.from([0x36, 0x06, 0x00, 0x01, 0x74, 0x00, 0x01, 0x00])]], 5],
  ['MQTT-3.3.2-2', [...open(), ['c', publish(0, 0, { topic: 'a/+' })]], 5],
  ['MQTT-4.7.3-1', [...open(4), ['c', Buffer.from([0x30, 0x03, 0x00, 0x00, 0x78])]], 4],
  ['MQTT-4.3.2-1', [...open(), ['c', publish(7, 1)], ['c', publish(7, 1)]], 5],
  ['MQTT-4.3.3-6', [...open(), ['c', publish(7, 2)], ['s', ack('pubrec', 7)], ['c', ack('pubrel', 7)], ['s', ack('pubcomp', 7, 0x92)], ['c', publish(7, 2, { dup: true })]], 5],
  ['MQTT-4.3.3-4', [...open(), ['c', publish(7, 2)], ['c', ack('pubrel', 7)]], 5],
  ['MQTT-3.3.4-7', [...open(5, { receiveMaximum: 2 }), ['c', publish(1, 1)], ['c', publish(2, 1)], ['c', publish(3, 1)]], 5],
  ['MQTT-3.2.2-15', [...open(5, { maximumPacketSize: 20 }), ['c', publish(1, 1, { payload: Buffer.alloc(30) })]], 5],
  ['MQTT-3.3.2-9', [...open(5, { topicAliasMaximum: 2 }), ['c', publish(1, 1, { properties: { topicAlias: 3 } })]], 5],
  ['MQTT-3.3.2-8', [...open(5, { topicAliasMaximum: 2 }), ['c', Buffer.from([0x30, 0x07, 0x00, 0x01, 0x74, 0x03, 0x23, 0x00, 0x00])]], 5],
  ['MQTT-3.3.4-6', [...open(), ['c', publish(1, 1, { properties: { subscriptionIdentifier: 4 } })]], 5],
  ['MQTT-3.8.3-2', [...open(4), ['c', Buffer.from([0x82, 0x02, 0x00, 0x01])]], 4],
  ['MQTT-3.8.3-4', [...open(), ['c', { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/t', qos: 0, nl: true }] } as Packet]], 5],
  ['MQTT-3.10.3-2', [...open(4), ['c', Buffer.from([0xa2, 0x02, 0x00, 0x01])]], 4],
  ['MQTT-4.3.2-4', [...open(), ['c', ack('puback', 9)]], 5],
  ['MQTT-4.3.3-9', [...open(), ['s', publish(9, 1)], ['c', ack('pubrec', 9)]], 5],
  ['MQTT-4.3.3-11', [...open(), ['s', publish(9, 2)], ['c', ack('pubcomp', 9)]], 5],
  ['MQTT-3.14.2-1', [...open(), ['c', { cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 30 } } as Packet]], 5],
  ['MQTT-3.14.4-1', [...open(), ['c', { cmd: 'disconnect' } as Packet], ['c', { cmd: 'pingreq' } as Packet]], 5],
  ['MQTT-3.1.2-23', [...open(), ['wait', 95_000], ['c', { cmd: 'pingreq' } as Packet]], 5],
];

describe('each rule, broken', () => {
  test('every rule of the table has a case here', () => {
    expect(new Set(cases.map(([rule]) => rule))).toEqual(new Set(Object.keys(RULES)));
  });
  test.each(cases)('%s', (rule, steps, v) => {
    expect(run(steps, v)).toContain(rule);
  });
});

describe('clean traffic passes', () => {
  test.each([4, 5] as const)('MQTT %s: QoS 0, 1 and 2 both ways, subscribe, ping, disconnect', (v) => {
    const steps: Step[] = [
      ...open(v),
      ['c', { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 2 }] } as Packet],
      ['c', publish(0, 0)],
      ['c', publish(2, 1)],
      ['s', ack('puback', 2)],
      ['c', publish(3, 2)],
      ['s', ack('pubrec', 3)],
      ['c', ack('pubrel', 3)],
      ['s', ack('pubcomp', 3)],
      ['s', publish(5, 1)],
      ['c', ack('puback', 5)],
      ['s', publish(6, 2)],
      ['c', ack('pubrec', 6)],
      ['s', ack('pubrel', 6)],
      ['c', ack('pubcomp', 6)],
      ['wait', 59_000],
      ['c', { cmd: 'pingreq' } as Packet],
      ['c', { cmd: 'disconnect' } as Packet],
    ];
    expect(run(steps, v)).toEqual([]);
  });
  test('a kept session: PUBREL and DUP PUBLISH again on the next connection are fine; a new session forgets the ids', () => {
    const sessions = new Map<string, SessionState>();
    run([...open(), ['c', publish(1, 2)], ['s', ack('pubrec', 1)], ['c', ack('pubrel', 1)], ['c', publish(2, 1)]], 5, sessions);
    expect(run([['c', connect(5)], ['s', connack(undefined, true)], ['c', ack('pubrel', 1)], ['c', publish(2, 1, { dup: true })]], 5, sessions)).toEqual([]);
    expect(run([['c', connect(5)], ['s', connack(undefined, false)], ['c', publish(1, 2)]], 5, sessions)).toEqual([]);
  });
  test('a PUBCOMP the cut link never delivered: the PUBREL goes again on the next connection, and that is right', () => {
    const sessions = new Map<string, SessionState>();
    run([...open(), ['c', publish(1, 2)], ['s', ack('pubrec', 1)], ['c', ack('pubrel', 1)], ['s', ack('pubcomp', 1)]], 5, sessions);
    expect(run([['c', connect(5)], ['s', connack(undefined, true)], ['c', ack('pubrel', 1)]], 5, sessions)).toEqual([]);
  });
});
