import { expect, test } from 'vitest';
import { defaultWindow, V311_QOS2_WINDOW } from '../../src/connection/fast-publisher.js';

test.each([
  [5, 1, undefined, 1000, undefined, 1000],
  [5, 2, undefined, 1000, 20, 20],
  [4, 2, undefined, 1000, undefined, V311_QOS2_WINDOW],
  [4, 1, undefined, 1000, undefined, 1000],
  [4, 2, 500, 1000, undefined, 500],
  [5, 1, 5000, 1000, 100, 100],
] as const)('MQTT v%i QoS %i, asked %s, default %i, Receive Maximum %s: %i', (version, qos, asked, fallback, receiveMaximum, expected) => {
  expect(defaultWindow(version, qos, asked, fallback, receiveMaximum)).toBe(expected);
});
