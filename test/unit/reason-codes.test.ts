import { describe, expect, test } from 'vitest';
import { decodeConnack, decodeReason, formatCode, isTransientConnackRefusal, isTransientDisconnect, type PacketKind } from '../../src/connection/reason-codes.js';
import type { ProtocolVersion } from '../../src/protocol/types.js';

/** Every code 0-255 the tables know for a packet kind. */
const knownCodes = (kind: PacketKind, version: ProtocolVersion): number[] =>
  Array.from({ length: 256 }, (_, c) => c).filter((c) => (kind === 'connack' ? decodeConnack(version, c) : decodeReason(kind, version, c)).known);

const V3_CONNACK: Array<[number, string]> = [
  [0, 'Connection Accepted'],
  [1, 'Connection Refused, unacceptable protocol version'],
  [2, 'Connection Refused, identifier rejected'],
  [3, 'Connection Refused, Server unavailable'],
  [4, 'Connection Refused, bad user name or password'],
  [5, 'Connection Refused, not authorized'],
];

// Spec Table 3-1: all 22 valid MQTT 5 CONNACK reason codes.
const V5_CONNACK: Array<[number, string]> = [
  [0x00, 'Success'],
  [0x80, 'Unspecified error'],
  [0x81, 'Malformed Packet'],
  [0x82, 'Protocol Error'],
  [0x83, 'Implementation specific error'],
  [0x84, 'Unsupported Protocol Version'],
  [0x85, 'Client Identifier not valid'],
  [0x86, 'Bad User Name or Password'],
  [0x87, 'Not authorized'],
  [0x88, 'Server unavailable'],
  [0x89, 'Server busy'],
  [0x8a, 'Banned'],
  [0x8c, 'Bad authentication method'],
  [0x90, 'Topic Name invalid'],
  [0x95, 'Packet too large'],
  [0x97, 'Quota exceeded'],
  [0x99, 'Payload format invalid'],
  [0x9a, 'Retain not supported'],
  [0x9b, 'QoS not supported'],
  [0x9c, 'Use another server'],
  [0x9d, 'Server moved'],
  [0x9f, 'Connection rate exceeded'],
];

describe('CONNACK 3.1.1', () => {
  test.each(V3_CONNACK)('code %i is %s', (code, name) => {
    for (const version of [3, 4] as const) {
      const info = decodeConnack(version, code);
      expect(info.name).toBe(name);
      expect(info.known).toBe(true);
      expect(info.failure).toBe(code !== 0);
      expect(info.meaning.length).toBeGreaterThan(5);
      if (code !== 0) expect(info.hint?.length ?? 0).toBeGreaterThan(5);
    }
  });
  test.each([6, 7, 0x80, 255])('reserved code %i is unknown and a failure', (code) => {
    const info = decodeConnack(4, code);
    expect(info.known).toBe(false);
    expect(info.failure).toBe(true);
    expect(info.name).toContain(formatCode(code));
  });
  test('exactly the six table rows are known', () => {
    expect(knownCodes('connack', 4)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('CONNACK 5', () => {
  test.each(V5_CONNACK)('code 0x%s is %s', (code, name) => {
    const info = decodeConnack(5, code);
    expect(info.name).toBe(name);
    expect(info.known).toBe(true);
    expect(info.failure).toBe(code >= 0x80);
    if (code !== 0) expect(info.hint?.length ?? 0).toBeGreaterThan(5);
  });
  test('the table holds exactly the 22 values of spec Table 3-1', () => {
    expect(knownCodes('connack', 5).sort((a, b) => a - b)).toEqual(V5_CONNACK.map(([c]) => c).sort((a, b) => a - b));
  });
  test.each([0x01, 0x04, 0x10, 0x8b, 0x8e, 0x8f, 0x91, 0xa2, 0xff])('0x%s is not a valid CONNACK code', (code) => {
    const info = decodeConnack(5, code);
    expect(info.known).toBe(false);
  });
  test('0x86 points at the password sources', () => {
    expect(decodeConnack(5, 0x86).hint).toMatch(/MQTT_TOOL_PASSWORD/);
  });
  test('0x84 suggests -V 311', () => {
    expect(decodeConnack(5, 0x84).hint).toMatch(/-V 311/);
  });
});

describe('same number, different packet', () => {
  test('0x87 in a CONNACK and a PUBACK', () => {
    expect(decodeReason('connack', 5, 0x87).meaning).toMatch(/connect/);
    expect(decodeReason('puback', 5, 0x87).meaning).toMatch(/publish/);
    expect(decodeReason('suback', 5, 0x87).meaning).toMatch(/subscription/);
  });
  test('4 in a 3.1.1 CONNACK vs an MQTT 5 DISCONNECT', () => {
    expect(decodeConnack(4, 4).name).toMatch(/bad user name or password/);
    expect(decodeReason('disconnect', 5, 4).name).toBe('Disconnect with Will Message');
    expect(decodeReason('disconnect', 5, 4).failure).toBe(false);
  });
  test('0x10 is a success in PUBACK', () => {
    const info = decodeReason('puback', 5, 0x10);
    expect(info.name).toBe('No matching subscribers');
    expect(info.failure).toBe(false);
  });
  test('3.1.1 SUBACK 0x80 is Failure; granted QoS otherwise', () => {
    expect(decodeReason('suback', 4, 0x80)).toMatchObject({ name: 'Failure', failure: true });
    expect(decodeReason('suback', 4, 1)).toMatchObject({ name: 'Granted QoS 1', failure: false });
  });
  test('0x92 only in PUBCOMP', () => {
    expect(decodeReason('pubcomp', 5, 0x92).known).toBe(true);
    expect(decodeReason('puback', 5, 0x92).known).toBe(false);
  });
});

const DISCONNECT_CODES = [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2];
const SUBACK_CODES = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2];
const PUBACK_CODES = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];

describe('spec Table 2-6 membership', () => {
  test.each(DISCONNECT_CODES)('DISCONNECT 0x%s is known', (c) => expect(decodeReason('disconnect', 5, c).known).toBe(true));
  test.each(SUBACK_CODES)('SUBACK 0x%s is known', (c) => expect(decodeReason('suback', 5, c).known).toBe(true));
  test.each(PUBACK_CODES)('PUBACK 0x%s is known', (c) => {
    expect(decodeReason('puback', 5, c).known).toBe(true);
    expect(decodeReason('pubrec', 5, c).known).toBe(true);
  });
  test('the lists are complete', () => {
    expect(knownCodes('disconnect', 5).sort((a, b) => a - b)).toEqual(DISCONNECT_CODES);
    expect(knownCodes('suback', 5).sort((a, b) => a - b)).toEqual(SUBACK_CODES);
    expect(knownCodes('puback', 5).sort((a, b) => a - b)).toEqual(PUBACK_CODES);
  });
});

describe('retry policy', () => {
  test.each([
    [4, 3, true],
    [4, 4, false],
    [4, 5, false],
    [5, 0x88, true],
    [5, 0x89, true],
    [5, 0x9f, true],
    [5, 0x86, false],
    [5, 0x87, false],
    [5, 0x8a, false],
  ] as const)('v%i code %i transient=%s', (v, code, transient) => {
    expect(isTransientConnackRefusal(v, code)).toBe(transient);
  });
});

describe('server DISCONNECT policy', () => {
  test.each([0x89, 0x8b, 0x8d, 0x96, 0x9c, 0x9f, 0xa0])('0x%s: reconnect', (c) => expect(isTransientDisconnect(c)).toBe(true));
  test.each([0x80, 0x81, 0x82, 0x87, 0x8e, 0x93, 0x95, 0x97, 0x98, 0x9d])('0x%s: exit, no reconnect loop', (c) => expect(isTransientDisconnect(c)).toBe(false));
});

test('formatCode', () => {
  expect(formatCode(0x86)).toBe('0x86');
  expect(formatCode(4)).toBe('0x04');
});
