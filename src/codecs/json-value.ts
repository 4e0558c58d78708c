/**
 * Decoded values as JSON, and back. CBOR, MessagePack and Avro carry byte strings and
 * 64-bit integers that JSON has no word for; they are written as {"$base64": "..."} and,
 * beyond 2^53, {"$bigint": "..."}, which `pub --encode` turns back into bytes and integers,
 * so a capture round-trips. Pure.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function toJsonValue(x: unknown): JsonValue {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'boolean':
    case 'string':
      return x;
    case 'number':
      return Number.isFinite(x) ? x : null;
    case 'bigint':
      return Number.isSafeInteger(Number(x)) ? Number(x) : { $bigint: x.toString() };
  }
  if (x instanceof Uint8Array) return { $base64: Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64') };
  if (Array.isArray(x)) return x.map(toJsonValue);
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number | bigint>, toJsonValue);
  if (x instanceof Date) return Number.isNaN(x.getTime()) ? null : x.toISOString();
  if (x instanceof Map) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of x) out[typeof k === 'string' ? k : JSON.stringify(toJsonValue(k))] = toJsonValue(v);
    return out;
  }
  if (typeof x === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(x)) out[k] = toJsonValue(v);
    return out;
  }
  return null;
}

/** The inverse of toJsonValue's two markers; everything else as it is. */
export function fromJsonValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJsonValue);
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  const o = v as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === '$base64' && typeof o['$base64'] === 'string') return Buffer.from(o['$base64'], 'base64');
  if (keys.length === 1 && keys[0] === '$bigint' && typeof o['$bigint'] === 'string' && /^-?\d+$/.test(o['$bigint'])) return BigInt(o['$bigint']);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = fromJsonValue(o[k]);
  return out;
}
