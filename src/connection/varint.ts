/** MQTT's Variable Byte Integer (§1.5.5): remaining lengths and property lengths. Pure. */

export function encodeVarint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * What a Variable Byte Integer at an offset reads as. "incomplete": the buffer ends first,
 * wait for more bytes; "malformed": a fourth byte still says "more follows", which no
 * conforming peer sends [MQTT-1.5.5], so the stream can never be framed again.
 */
export type VarintRead = { readonly kind: 'value'; readonly value: number; readonly next: number } | { readonly kind: 'incomplete' } | { readonly kind: 'malformed' };

export function readVarint(buf: Buffer, offset: number): VarintRead {
  let value = 0;
  let multiplier = 1;
  for (let i = offset; i < offset + 4; i++) {
    if (i >= buf.length) return { kind: 'incomplete' };
    const b = buf[i] as number;
    value += (b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) === 0) return { kind: 'value', value, next: i + 1 };
  }
  return { kind: 'malformed' };
}

/** For packets this program framed itself (or the ack tap handed over whole): the value must be there. */
export function readCompleteVarint(buf: Buffer, offset: number): { value: number; next: number } {
  const r = readVarint(buf, offset);
  if (r.kind !== 'value') throw new Error(`variable byte integer at ${offset} is ${r.kind}`);
  return r;
}
