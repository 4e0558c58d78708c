/**
 * A payload codec: bytes to a JSON value for `sub --decode`, and a parsed JSON value to bytes for
 * `pub --encode`. Both throw an Error whose message says what is wrong with the payload.
 */
import type { JsonValue } from './json-value.js';

export interface Codec {
  /** Named in `-F jsonl` output as "encoding". */
  readonly encoding: string;
  decode(payload: Buffer): JsonValue;
  encode(value: unknown): Buffer;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `json`: checks that the payload is JSON, and embeds it as a value (pretty with --pretty). */
export const jsonCodec: Codec = {
  encoding: 'json',
  decode(payload) {
    let text: string;
    try {
      text = strictUtf8.decode(payload);
    } catch {
      throw new Error('not UTF-8 text');
    }
    return JSON.parse(text) as JsonValue;
  },
  encode(value) {
    return Buffer.from(JSON.stringify(value), 'utf8');
  },
};
