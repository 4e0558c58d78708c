/** -D COMMAND PROPERTY VALUE, as mosquitto's clients take it. */
import { describe, expect, test } from 'vitest';
import { mergeProperties, parseProperties } from '../../src/setup/properties.js';
import { UsageError } from '../../src/errors.js';

const ALL = ['connect', 'publish', 'subscribe', 'unsubscribe', 'disconnect', 'will'] as const;

describe('parseProperties', () => {
  test('properties per packet, typed; user-property takes a key and a value and repeats', () => {
    const d = parseProperties(
      ['connect', 'receive-maximum', '10', 'connect', 'request-problem-information', '0', 'publish', 'user-property', 'k', 'v1', 'publish', 'user-property', 'k', 'v2', 'publish', 'correlation-data', 'abc', 'subscribe', 'subscription-identifier', '7', 'will', 'content-type', 'text/plain'],
      ALL,
      'sub',
    );
    expect(d).toEqual({
      connect: { receiveMaximum: 10, requestProblemInformation: false },
      publish: { userProperties: { k: ['v1', 'v2'] }, correlationData: Buffer.from('abc') },
      subscribe: { subscriptionIdentifier: 7 },
      will: { contentType: 'text/plain' },
    });
  });
  test.each([
    [['conect', 'receive-maximum', '1'], "unknown packet 'conect' (did you mean connect?)"],
    [['connect', 'recieve-maximum', '1'], "unknown property 'recieve-maximum' (did you mean receive-maximum?)"],
    [['publish', 'receive-maximum', '1'], 'receive-maximum is not a publish property (it belongs to connect)'],
    [['connect', 'receive-maximum', '70000'], 'expected a whole number from 1 to 65535'],
    [['publish', 'payload-format-indicator', 'yes'], 'expected 0 or 1'],
    [['publish', 'response-topic', 'a/#'], "-D ... response-topic 'a/#'"],
    [['publish', 'user-property', 'k'], 'user-property needs a key and a value'],
    [['connect', 'receive-maximum'], 'needs a value'],
    [['connect', 'receive-maximum', '1', 'connect', 'receive-maximum', '2'], 'given twice'],
  ])('%j is a usage error: %s', (words, message) => {
    expect(() => parseProperties(words, ALL, 'sub')).toThrow(UsageError);
    expect(() => parseProperties(words, ALL, 'sub')).toThrow(message);
  });
  test('a packet the command does not send is refused, naming the command', () => {
    expect(() => parseProperties(['subscribe', 'user-property', 'a', 'b'], ['connect', 'publish'], 'pub')).toThrow('-D subscribe: pub sends no SUBSCRIBE');
    expect(() => parseProperties(['will', 'content-type', 'x'], ['connect'], 'pub')).toThrow('pub sends no will (add --will-topic)');
  });
});

test('mergeProperties: user properties add up, the same property from a flag and -D is refused', () => {
  expect(mergeProperties({ userProperties: { a: ['1'] }, contentType: 'x' }, { userProperties: { a: ['2'], b: ['3'] } }, 'publish')).toEqual({ userProperties: { a: ['1', '2'], b: ['3'] }, contentType: 'x' });
  expect(() => mergeProperties({ contentType: 'x' }, { contentType: 'y' }, 'publish')).toThrow('-D publish sets contentType, which another flag sets already');
  expect(mergeProperties(undefined, undefined, 'publish')).toBeUndefined();
});
