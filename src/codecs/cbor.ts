/** CBOR (RFC 8949) through cborg: pure JavaScript, no native add-on. Bundled as dist/codec-cbor.cjs. */
import { decode, encode } from 'cborg';
import type { Codec } from './codec.js';
import { fromJsonValue, toJsonValue } from './json-value.js';

// Tags 0 and 1 (date-time as text or epoch seconds) become ISO times; other tags are refused by name.
const tags: Array<(inner: unknown) => unknown> = [];
tags[0] = (inner) => new Date(String(inner));
tags[1] = (inner) => new Date(Number(inner) * 1000);

export const cborCodec: Codec = {
  encoding: 'cbor',
  decode: (payload) => toJsonValue(decode(payload, { useMaps: true, tags })),
  encode: (value) => Buffer.from(encode(fromJsonValue(value))),
};
