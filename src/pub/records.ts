/** pub's line formats: -l lines and --jsonl records (as `sub -F jsonl` writes them) made into messages. */
import type { Codec } from '../codecs/codec.js';
import type { FastPublisher } from '../connection/fast-publisher.js';
import { UsageError } from '../errors.js';
import { parseRecord, replayDue, type JsonlRecord } from '../io/jsonl-record.js';
import type { Terminal } from '../io/terminal.js';
import type { ProtocolVersion, Qos } from '../protocol/types.js';

/** One message of a line-mode run, ready to publish; `dueMs` (--replay) is when to send it. */
export interface Outgoing {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: Qos;
  readonly retain: boolean;
  /** Encoded MQTT 5 properties of this message (--jsonl), replacing the flags' ones. */
  readonly properties: Buffer | undefined;
  readonly dueMs: number | undefined;
}

/** A JSON line of --jsonl may hold a base64 payload: a third larger than the payload itself. */
export const MAX_JSONL_LINE = 400 * 1024 * 1024;

/** JSON text in, the codec's bytes out; a usage error naming where the text came from. */
export function encodeWith(codec: Codec | undefined, text: Buffer, where: string): Buffer {
  if (codec === undefined) return text;
  let value: unknown;
  try {
    value = JSON.parse(text.toString('utf8'));
  } catch (err) {
    throw new UsageError(`--encode ${codec.encoding}: ${where} is not JSON (${(err as Error).message})`, { hint: '--encode reads JSON text and writes the codec\'s bytes.' });
  }
  return encodeValue(codec, value, where);
}

function encodeValue(codec: Codec, value: unknown, where: string): Buffer {
  try {
    return codec.encode(value);
  } catch (err) {
    throw new UsageError(`--encode ${codec.encoding}: ${where} cannot be written as ${codec.encoding}: ${(err as Error).message}`);
  }
}

/** Codecs that need no schema: a --jsonl line decoded with one of them is written back without --encode. */
const SCHEMALESS = new Set<string>(['json', 'cbor', 'msgpack', 'sparkplug']);
export type SchemalessEncoding = 'json' | 'cbor' | 'msgpack' | 'sparkplug';

/** --jsonl: each line a record as `sub -F jsonl` writes it; --replay keeps the recorded spacing. */
/** How --jsonl lines become messages: -q over each line's QoS, --replay's speed, the codecs at hand. */
export interface RecordOptions {
  /** -q: overrides each line's QoS. */
  readonly qos: Qos | undefined;
  /** --replay / --replay-speed: undefined sends at once; 1 keeps the recorded spacing, 2 halves it. */
  readonly replaySpeed: number | undefined;
  /** --encode's codec, if given. */
  readonly codec: Codec | undefined;
  /** Loads a codec that needs no schema, for lines decoded with one. */
  readonly loadCodec: (encoding: SchemalessEncoding) => Codec;
}

export function recordPreparer(o: RecordOptions, pub: FastPublisher, version: ProtocolVersion, term: Terminal): (line: Buffer, n: number) => Outgoing {
  const codec = o.codec;
  const codecs = new Map<string, Codec>();
  if (codec !== undefined) codecs.set(codec.encoding, codec);
  const codecFor = (encoding: string, n: number): Codec => {
    let c = codecs.get(encoding);
    if (c !== undefined) return c;
    if (!SCHEMALESS.has(encoding)) {
      throw new UsageError(`--jsonl line ${n}: the payload was decoded as ${encoding}; to write it back, give --encode ${encoding}${encoding === 'protobuf' ? ':FILE.proto:package.Message' : encoding === 'avro' ? ':FILE.avsc' : ''}`);
    }
    c = o.loadCodec(encoding as SchemalessEncoding);
    codecs.set(encoding, c);
    return c;
  };
  const speed = o.replaySpeed;
  let startMs: number | undefined;
  let firstAtMs: number | undefined;
  let warnedProperties = false;
  return (line, n) => {
    const r: JsonlRecord = parseRecord(line.toString('utf8'), n);
    const payload = r.payload.kind === 'bytes' ? r.payload.bytes : encodeValue(codecFor(r.payload.encoding, n), r.payload.value, `--jsonl line ${n}`);
    let properties: Buffer | undefined;
    if (r.properties !== undefined) {
      if (version === 5) properties = pub.encodeProperties(r.properties);
      else if (!warnedProperties) {
        warnedProperties = true;
        term.warn('MQTT 3.1.1 has no message properties: the lines\' properties are not sent');
      }
    }
    let dueMs: number | undefined;
    if (speed !== undefined) {
      startMs ??= performance.now();
      firstAtMs ??= r.atMs;
      dueMs = replayDue(startMs, firstAtMs, r.atMs, speed);
    }
    return { topic: r.topic, payload, qos: o.qos ?? r.qos ?? 0, retain: r.retain, properties, dueMs };
  };
}
