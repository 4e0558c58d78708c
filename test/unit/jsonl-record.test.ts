/** pub --jsonl: a line of `sub -F jsonl` back into a message, and --replay's schedule. */
import { expect, test } from 'vitest';
import { parseRecord, replayDue } from '../../src/io/jsonl-record.js';
import { UsageError } from '../../src/errors.js';

test('text, base64 and decoded payloads, with QoS, retain, properties and time', () => {
  const r = parseRecord(
    JSON.stringify({
      topic: 'a/b',
      payload: '/wA=',
      encoding: 'base64',
      qos: 1,
      retain: true,
      properties: { contentType: 'x', correlationData: '3q0=', correlationDataEncoding: 'base64', userProperties: { k: ['1', '2'] }, topicAlias: 3, messageExpiryInterval: 60, payloadFormatIndicator: 0 },
      receivedAt: '2026-11-26T10:00:00.250Z',
    }),
    1,
  );
  expect(r).toEqual({
    topic: 'a/b',
    payload: { kind: 'bytes', bytes: Buffer.from([0xff, 0]) },
    qos: 1,
    retain: true,
    properties: { contentType: 'x', correlationData: Buffer.from([0xde, 0xad]), userProperties: { k: ['1', '2'] }, messageExpiryInterval: 60, payloadFormatIndicator: false },
    atMs: Date.parse('2026-11-26T10:00:00.250Z'),
  });
  expect(parseRecord('{"topic":"t","payload":"hé"}', 1).payload).toEqual({ kind: 'bytes', bytes: Buffer.from('hé') });
  expect(parseRecord('{"topic":"t","payload":{"a":1},"encoding":"cbor"}', 1).payload).toEqual({ kind: 'decoded', encoding: 'cbor', value: { a: 1 } });
});

test.each([
  ['nope', 'line 3: not JSON'],
  ['[1]', 'line 3: not a JSON object'],
  ['{"payload":"x"}', 'line 3: no "topic"'],
  ['{"topic":"a/#","payload":"x"}', "line 3: invalid topic 'a/#'"],
  ['{"topic":"a","payload":{"x":1}}', 'line 3: "payload" is not a string, and no "encoding"'],
  ['{"topic":"a","payload":"%%","encoding":"base64"}', 'line 3: "payload" is not base64'],
  ['{"topic":"a","qos":3}', 'line 3: "qos" must be 0, 1 or 2'],
  ['{"topic":"a","receivedAt":"yesterday"}', 'line 3: "receivedAt" \'yesterday\' is not an ISO time'],
  ['{"topic":"a","properties":{"messageExpiryInterval":-1}}', 'line 3: "messageExpiryInterval" must be an integer'],
])('%s is refused: %s', (line, message) => {
  expect(() => parseRecord(line, 3)).toThrow(UsageError);
  expect(() => parseRecord(line, 3)).toThrow(`--jsonl ${message}`);
});

test('replay schedule: recorded offsets divided by the speed; speed 0 and missing times mean now', () => {
  expect(replayDue(1000, 5000, 5400, 1)).toBe(1400);
  expect(replayDue(1000, 5000, 5400, 2)).toBe(1200);
  expect(replayDue(1000, 5000, 5400, 0)).toBe(1000);
  expect(replayDue(1000, 5000, undefined, 1)).toBe(1000);
  expect(replayDue(1000, 5000, 4000, 1)).toBe(1000);
});
