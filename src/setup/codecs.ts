/**
 * Loads the codec a flag names: the libraries are bundles of their own (dist/codec-*.cjs),
 * required only when a codec is asked for, and schema files are read here. A schema that
 * cannot be read or parsed is a usage error (exit 2) naming the flag and the file.
 */
import { jsonCodec, type Codec } from '../codecs/codec.js';
import type { JsonValue } from '../codecs/json-value.js';
import type { CodecSpec, DecodeChoice } from '../codecs/spec.js';
import { parseSparkplugTopic } from '../codecs/sparkplug-session.js';
import { UsageError } from '../errors.js';
import { readUserFile } from '../io/files.js';
import { loadBundle } from '../lazy.js';

type SparkplugModule = typeof import('../codecs/sparkplug.js');

export function loadCodec(spec: CodecSpec, flag: '--encode' | '--decode'): Codec {
  switch (spec.kind) {
    case 'json':
      return jsonCodec;
    case 'cbor':
      return loadBundle<typeof import('../codecs/cbor.js')>('codec-cbor').cborCodec;
    case 'msgpack':
      return loadBundle<typeof import('../codecs/msgpack.js')>('codec-msgpack').msgpackCodec;
    case 'sparkplug':
      return loadBundle<SparkplugModule>('codec-sparkplug').sparkplugCodec;
    case 'protobuf': {
      const { protobufCodec } = loadBundle<typeof import('../codecs/protobuf.js')>('codec-protobuf');
      // protobufjs resolves each import against the folder of the file that imports it.
      const read = (file: string): string => readUserFile(`${flag} protobuf schema`, file).toString('utf8');
      return schemaCodec(flag, spec.file, () => protobufCodec(spec.file, read, spec.type));
    }
    case 'avro': {
      const { avroCodec } = loadBundle<typeof import('../codecs/avro.js')>('codec-avro');
      const text = readUserFile(`${flag} avro schema`, spec.file).toString('utf8');
      return schemaCodec(flag, spec.file, () => avroCodec(text));
    }
  }
}

function schemaCodec(flag: string, file: string, make: () => Codec): Codec {
  try {
    return make();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${flag}: bad schema ${file}: ${(err as Error).message}`, { hint: 'Fix the schema file, or name another one.' });
  }
}

export type DecodeOutcome =
  | { readonly ok: true; readonly encoding: string; readonly value: JsonValue; readonly notices: readonly string[] }
  | { readonly ok: false; readonly encoding: string; readonly reason: string };

/** Decodes one message's payload; undefined when the codec does not apply to the topic (auto, STATE). */
export type PayloadDecoder = (topic: string, payload: Buffer) => DecodeOutcome | undefined;

const failure = (encoding: string, err: unknown): DecodeOutcome => ({ ok: false, encoding, reason: err instanceof Error ? err.message : String(err) });

export function payloadDecoder(choice: DecodeChoice): PayloadDecoder {
  if (choice.kind === 'auto' || choice.kind === 'sparkplug') {
    const onlySparkplugTopics = choice.kind === 'auto';
    let read: ReturnType<SparkplugModule['sparkplugReader']> | undefined;
    return (topic, payload) => {
      const isSparkplug = parseSparkplugTopic(topic) !== undefined;
      // STATE topics carry JSON; with auto, nothing but Sparkplug topics is touched.
      if ((onlySparkplugTopics && !isSparkplug) || topic.startsWith('spBv1.0/STATE/')) return undefined;
      read ??= loadBundle<SparkplugModule>('codec-sparkplug').sparkplugReader();
      try {
        const r = read(topic, payload);
        return { ok: true, encoding: 'sparkplug', value: r.value, notices: r.notices };
      } catch (err) {
        return failure('sparkplug', err);
      }
    };
  }
  const codec = loadCodec(choice, '--decode');
  return (_topic, payload) => {
    try {
      return { ok: true, encoding: codec.encoding, value: codec.decode(payload), notices: [] };
    } catch (err) {
      return failure(codec.encoding, err);
    }
  };
}
