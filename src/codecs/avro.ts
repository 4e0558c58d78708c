/** Avro binary encoding of one schema (.avsc), through avsc. Bundled as dist/codec-avro.cjs. */
import avro from 'avsc';
import type { Codec } from './codec.js';
import { fromJsonValue, toJsonValue } from './json-value.js';

/** Throws an Error saying what is wrong with the schema. */
export function avroCodec(schemaText: string): Codec {
  let schema: unknown;
  try {
    schema = JSON.parse(schemaText);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  const type = avro.Type.forSchema(schema as avro.Schema);
  return {
    encoding: 'avro',
    decode: (payload) => toJsonValue(type.fromBuffer(payload)),
    encode(value) {
      const v = fromJsonValue(value);
      const problems: string[] = [];
      if (!type.isValid(v, { errorHook: (path: string[]) => problems.push(path.length === 0 ? 'the value' : path.join('.')) })) {
        throw new Error(`does not match the schema at ${problems.slice(0, 3).join(', ')}`);
      }
      return type.toBuffer(v);
    },
  };
}
