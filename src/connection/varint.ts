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

/** The integer at `offset` and the offset after it; undefined when the buffer ends first (at most 4 bytes are read). */
export function readVarint(buf: Buffer, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = offset; i < buf.length && i < offset + 4; i++) {
    const b = buf[i] as number;
    value += (b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
  }
  return undefined;
}
