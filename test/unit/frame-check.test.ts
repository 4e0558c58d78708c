/** The frame check, case by case: what a broker's packet breaks, in words with the rule. */
import { expect, test } from 'vitest';
import { checkFrame } from '../../src/connection/frame-check.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ''), 'hex');

test.each([
  ['a PUBLISH of 0 bytes', 0x30, '', 5, /a PUBLISH of 0 bytes/],
  ['QoS 3', 0x36, '00 01 74 00 01 00', 5, /QoS 3 \[MQTT-3\.3\.1-4\]/],
  ['a QoS 0 PUBLISH with DUP', 0x38, '00 01 74 00', 5, /DUP set \[MQTT-3\.3\.1-2\]/],
  ['a 3.1.1 PUBLISH with an empty topic', 0x30, '00 00 78', 4, /empty topic/],
  ['a PUBACK with packet id 0', 0x40, '00 00', 4, /packet identifier 0/],
  ['a PUBREL with wrong flags', 0x60, '00 01', 5, /reserved flag bits 0x0/],
  ['a PUBACK with an unknown property', 0x40, '00 01 00 02 00 00', 5, /identifier 0x00, which MQTT 5 does not define/],
  ['a PUBACK with a Topic Alias property', 0x40, '00 01 00 03 23 00 01', 5, /identifier 0x23, which this packet cannot carry/],
  ['a reason string twice', 0x40, '00 01 00 08 1f 00 01 61 1f 00 01 62', 5, /identifier 0x1f twice/],
  ['a DISCONNECT with a code no server sends', 0xe0, '3c 00', 5, /reason code 0x3c, which a server cannot send/],
  ['a DISCONNECT under 3.1.1', 0xe0, '', 4, /MQTT 3\.1\.1 does not have/],
  ['a SUBACK without a code', 0x90, '00 01', 4, /without a single return code/],
  ['a SUBACK with code 3', 0x90, '00 01 03', 4, /code 0x03/],
  ['a CONNECT from the broker', 0x10, '', 5, /a broker never sends/],
  ['a PINGRESP with a body', 0xd0, '00', 5, /PINGRESP of 1 byte/],
])('%s', (_what, header, body, version, words) => {
  expect(checkFrame(header, hex(body), version as 4 | 5)).toMatch(words);
});

test.each([
  ['a QoS 1 PUBLISH with properties', 0x32, '00 01 74 00 07 03 23 00 01 70'],
  ['an MQTT 5 PUBACK with a reason string', 0x40, '00 01 10 04 1f 00 01 61'],
  ['an MQTT 5 DISCONNECT with 0x8e', 0xe0, '8e 00'],
  ['a SUBACK with user properties and two codes', 0x90, '00 01 06 26 00 01 6b 00 00 01 80'],
])('well formed: %s', (_what, header, body) => {
  expect(checkFrame(header, hex(body), 5)).toBeUndefined();
});
