import { expect, test } from 'vitest';
import { closest } from '../../src/io/suggest.js';

test.each([
  ['sbu', ['pub', 'sub', 'rr'], 'sub'],
  ['lst', ['list', 'show'], 'list'],
  ['hostname', ['host', 'port', 'username'], 'host'],
  ['zzzzzz', ['list', 'show'], undefined],
  ['', ['list'], undefined],
] as const)('%s among %j: %s', (word, candidates, expected) => {
  expect(closest(word, candidates)).toBe(expected);
});
