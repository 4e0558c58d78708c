import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { topicMatchesFilter, validateTopicFilter, validateTopicName } from '../../src/protocol/topics.js';

describe('validateTopicName', () => {
  test.each(['a', 'a/b/c', '/', 'a//b', '$SYS/x', 'ünïcödé/€', ' '])('accepts %j', (t) => {
    expect(validateTopicName(t)).toEqual({ ok: true });
  });
  test.each([
    ['', 'MQTT-4.7.3-1'],
    ['a/+/b', 'MQTT-3.3.2-2'],
    ['a/#', 'MQTT-3.3.2-2'],
    ['#', 'MQTT-3.3.2-2'],
    ['a\u0000b', 'MQTT-4.7.3-2'],
    ['a\ud800', 'MQTT-1.5.4-1'],
  ])('rejects %j by %s', (t, rule) => {
    const r = validateTopicName(t);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rule).toBe(rule);
  });
  test('65,535 bytes accepted, 65,536 rejected (multi-byte boundary)', () => {
    expect(validateTopicName('a'.repeat(65_535)).ok).toBe(true);
    expect(validateTopicName('€'.repeat(21_845)).ok).toBe(true);
    const r = validateTopicName(`€`.repeat(21_845) + 'a');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain('65536 bytes');
  });
  test('never throws (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      const r = validateTopicName(s);
      expect(typeof r.ok).toBe('boolean');
      if (r.ok) expect(s).not.toMatch(/[+#\u0000]/);
    }));
  });
});

describe('validateTopicFilter', () => {
  test.each(['#', '+', 'a/#', 'a/+/b', '+/+', '/#', 'a/b', '$share/g/a/#', '$SYS/#'])('accepts %j', (f) => {
    expect(validateTopicFilter(f)).toEqual({ ok: true });
  });
  test.each([
    ['a/#/b', 'MQTT-4.7.1-1'],
    ['a#', 'MQTT-4.7.1-1'],
    ['sport+', 'MQTT-4.7.1-2'],
    ['+a', 'MQTT-4.7.1-2'],
    ['', 'MQTT-4.7.3-1'],
    ['$share/g', 'MQTT-4.8.2-1'],
    ['$share//a', 'MQTT-4.8.2-1'],
    ['$share/+/a', 'MQTT-4.8.2-2'],
  ])('rejects %j by %s', (f, rule) => {
    const r = validateTopicFilter(f);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rule).toBe(rule);
  });
  test('every valid topic name is a valid filter that matches itself (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      if (validateTopicName(s).ok) {
        expect(validateTopicFilter(s).ok).toBe(true);
        expect(topicMatchesFilter(s, s)).toBe(true);
      }
    }));
  });
});

describe('topicMatchesFilter', () => {
  test.each([
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['+/+', '/x', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
  ])('%s vs %s -> %s', (f, t, m) => expect(topicMatchesFilter(f, t)).toBe(m));
});
