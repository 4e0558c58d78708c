import fc from 'fast-check';
import { expect, test } from 'vitest';
import { encodeVarint, readCompleteVarint, readVarint } from '../../src/connection/varint.js';

test.each([
  [0, [0x00]],
  [127, [0x7f]],
  [128, [0x80, 0x01]],
  [16_383, [0xff, 0x7f]],
  [2_097_152, [0x80, 0x80, 0x80, 0x01]],
  [268_435_455, [0xff, 0xff, 0xff, 0x7f]],
])('%i <-> %j (spec §1.5.5 boundaries)', (n, bytes) => {
  expect(encodeVarint(n)).toEqual(bytes);
  expect(readVarint(Buffer.from([0xaa, ...bytes]), 1)).toEqual({ kind: 'value', value: n, next: 1 + bytes.length });
});

test('a truncated integer is incomplete; a fifth byte is malformed, however many bytes follow', () => {
  expect(readVarint(Buffer.from([0x80, 0x80]), 0)).toEqual({ kind: 'incomplete' });
  expect(readVarint(Buffer.from([0xff, 0xff, 0xff]), 0)).toEqual({ kind: 'incomplete' });
  expect(readVarint(Buffer.alloc(0), 0)).toEqual({ kind: 'incomplete' });
  expect(readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0)).toEqual({ kind: 'malformed' });
  expect(readVarint(Buffer.from([0xff, 0xff, 0xff, 0x80, 0x01]), 0)).toEqual({ kind: 'malformed' });
  expect(() => readCompleteVarint(Buffer.from([0x80]), 0)).toThrow('incomplete');
});

test('round trip (property)', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 268_435_455 }), (n) => {
    const bytes = Buffer.from(encodeVarint(n));
    expect(readVarint(bytes, 0)).toEqual({ kind: 'value', value: n, next: bytes.length });
  }));
});
