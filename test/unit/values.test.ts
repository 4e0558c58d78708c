import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseInteger, parsePort, parseProtocolVersion, parseQos, parseQosList, parseSeconds, parseUserProperty } from '../../src/cli/values.js';

describe('flag values', () => {
  test.each(['0', '1', '2'])('QoS %s', (v) => expect(parseQos('-q', v)).toBe(Number(v)));
  test.each(['3', '-1', '1.5', '', 'one'])('QoS %j is refused with the range', (v) => {
    expect(() => parseQos('-q', v)).toThrow(/-q: QoS must be 0, 1 or 2/);
  });
  test.each(['0', '65536', 'abc', '-1', '1.5', ''])('port %j is refused', (v) => {
    expect(() => parsePort('-p', v)).toThrow(/-p: expected a whole number from 1 to 65535/);
  });
  test('port 1 and 65535 pass', () => {
    expect(parsePort('-p', '1')).toBe(1);
    expect(parsePort('-p', '65535')).toBe(65535);
  });
  test.each([
    ['5', 5], ['mqttv5', 5], ['5.0', 5], ['311', 4], ['3.1.1', 4], ['mqttv311', 4], ['31', 3], ['mqttv31', 3], ['MQTTV5', 5],
  ] as const)('protocol version %s -> %i', (v, n) => expect(parseProtocolVersion('-V', v)).toBe(n));
  test('unknown protocol version', () => expect(() => parseProtocolVersion('-V', '6')).toThrow(/unknown protocol version '6'/));
  test.each(['-1', 'x', '1e3', ''])('seconds %j refused', (v) => expect(() => parseSeconds('-W', v)).toThrow(UsageError));
  test('seconds accept fractions', () => expect(parseSeconds('-W', '0.5')).toBe(0.5));
  test('integer range', () => {
    expect(parseInteger('-C', '10', 1, 100)).toBe(10);
    expect(() => parseInteger('-C', '0', 1, 100)).toThrow(/-C/);
  });
  test('user property', () => {
    expect(parseUserProperty('--user-property', 'a=b=c')).toEqual(['a', 'b=c']);
    expect(() => parseUserProperty('--user-property', 'nokey')).toThrow(/key=value/);
    expect(() => parseUserProperty('--user-property', '=v')).toThrow(/key=value/);
  });
  test('QoS list', () => {
    expect(parseQosList('--qos', '0,1,2')).toEqual([0, 1, 2]);
    expect(parseQosList('--qos', '2, 2')).toEqual([2]);
    expect(() => parseQosList('--qos', '0,3')).toThrow(UsageError);
  });
});
