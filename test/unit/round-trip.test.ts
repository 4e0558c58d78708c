import { expect, test } from 'vitest';
import { slowQos2Note } from '../../src/diagnose/round-trip.js';

test("a QoS 2 round trip many times QoS 1's is explained (Nagle's algorithm on the broker); a close one is not", () => {
  expect(slowQos2Note(new Map([[0, 2], [1, 4], [2, 47]]))).toMatch(/^QoS 2 took 12 times as long as QoS 1: .*set_tcp_nodelay true\)$/);
  expect(slowQos2Note(new Map([[1, 4], [2, 5.8]]))).toBeUndefined();
  expect(slowQos2Note(new Map([[1, 10], [2, 40]]))).toBeUndefined();
  expect(slowQos2Note(new Map([[1, 1], [2, 20]]))).toBeUndefined();
  expect(slowQos2Note(new Map([[2, 50]]))).toBeUndefined();
});
