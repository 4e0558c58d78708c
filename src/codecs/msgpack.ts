/** MessagePack through @msgpack/msgpack (the msgpack project's own, pure JavaScript). Bundled as dist/codec-msgpack.cjs. */
import { decode, encode } from '@msgpack/msgpack';
import type { Codec } from './codec.js';
import { fromJsonValue, toJsonValue } from './json-value.js';

export const msgpackCodec: Codec = {
  encoding: 'msgpack',
  // 64-bit integers as BigInt, so none loses precision on the way to JSON.
  decode: (payload) => toJsonValue(decode(payload, { useBigInt64: true })),
  encode: (value) => Buffer.from(encode(fromJsonValue(value), { useBigInt64: true })),
};
