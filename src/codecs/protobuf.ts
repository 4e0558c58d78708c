/**
 * Protobuf through protobufjs, which reads .proto text at run time. Decoded messages use the
 * Protobuf JSON mapping (64-bit integers as decimal strings, bytes as base64, enums by name),
 * which protobufjs also reads back, so `pub --encode` takes what `sub --decode` prints.
 * Bundled as dist/codec-protobuf.cjs, with the Sparkplug B codec.
 */
import protobuf from 'protobufjs';
import type { Codec } from './codec.js';
import type { JsonValue } from './json-value.js';

const CONVERSION: protobuf.IConversionOptions = { longs: String, bytes: String, enums: String, defaults: false };

/**
 * A codec for one message type of `mainFile`; `readText` reads it and every file it imports.
 * Throws an Error naming the problem.
 */
export function protobufCodec(mainFile: string, readText: (file: string) => string, typeName: string): Codec {
  const root = new protobuf.Root();
  const seen = new Set<string>();
  const load = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    let parsed: protobuf.IParserResult;
    try {
      parsed = protobuf.parse(readText(file), root, { keepCase: true });
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
    for (const dep of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (dep.startsWith('google/protobuf/')) continue;
      const path = root.resolvePath(file, dep);
      if (path === null) throw new Error(`${file}: cannot resolve import '${dep}'`);
      load(path);
    }
  };
  load(mainFile);
  try {
    root.resolveAll();
  } catch (err) {
    throw new Error(`${mainFile}: ${(err as Error).message}`);
  }
  let type: protobuf.Type;
  try {
    type = root.lookupType(typeName);
  } catch {
    const known: string[] = [];
    const walk = (ns: protobuf.NamespaceBase): void => {
      for (const nested of ns.nestedArray) {
        if (nested instanceof protobuf.Type) known.push(nested.fullName.replace(/^\./, ''));
        if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
      }
    };
    walk(root);
    throw new Error(`no message type '${typeName}' in ${mainFile}; it defines ${known.length === 0 ? 'none' : known.slice(0, 8).join(', ')}`);
  }
  return {
    encoding: 'protobuf',
    decode: (payload) => type.toObject(type.decode(payload), CONVERSION) as JsonValue,
    encode(value) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${type.name} needs a JSON object`);
      const unknown = Object.keys(value).find((k) => type.fields[k] === undefined && !type.fieldsArray.some((f) => f.name === k));
      if (unknown !== undefined) throw new Error(`${type.name} has no field '${unknown}' (fields: ${type.fieldsArray.map((f) => f.name).join(', ')})`);
      const problem = type.verify(type.fromObject(value as Record<string, unknown>));
      if (problem !== null) throw new Error(problem);
      return Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
    },
  };
}
