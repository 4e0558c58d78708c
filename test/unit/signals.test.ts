import { expect, test } from 'vitest';
import { SAME_REQUEST_MS, signalMeaning } from '../../src/io/signals.js';

test.each([
  [undefined, 0, 'graceful'],
  [1000, 1000, 'same-request'],
  [1000, 1000 + SAME_REQUEST_MS - 1, 'same-request'],
  [1000, 1000 + SAME_REQUEST_MS, 'again'],
  [1000, 60_000, 'again'],
] as const)('first %s, then %i: %s', (first, at, meaning) => {
  expect(signalMeaning(first, at)).toBe(meaning);
});
