/**
 * The codecs `sub --decode` and `pub --encode` name, parsed from the flag's text. Pure.
 * Schema codecs carry their schema file; the file is read where the codec is loaded.
 */
import { UsageError } from '../errors.js';

export type CodecSpec =
  | { readonly kind: 'json' }
  | { readonly kind: 'cbor' }
  | { readonly kind: 'msgpack' }
  | { readonly kind: 'sparkplug' }
  | { readonly kind: 'protobuf'; readonly file: string; readonly type: string }
  | { readonly kind: 'avro'; readonly file: string };

/** `--decode auto`: Sparkplug B on `spBv1.0/` topics, everything else as it is. */
export type DecodeChoice = CodecSpec | { readonly kind: 'auto' };

export const CODEC_FORMS = ['sparkplug', 'protobuf:FILE.proto:package.Message', 'cbor', 'msgpack', 'avro:FILE.avsc', 'json'] as const;

const usage = (flag: string, text: string, why: string): UsageError =>
  new UsageError(`${flag} '${text}': ${why}`, { hint: `Codecs: ${CODEC_FORMS.join(', ')}${flag === '--decode' ? ', auto' : ''}.` });

export function parseCodec(text: string, flag: '--encode'): CodecSpec;
export function parseCodec(text: string, flag: '--decode'): DecodeChoice;
export function parseCodec(text: string, flag: '--encode' | '--decode'): DecodeChoice {
  switch (text) {
    case 'json':
    case 'cbor':
    case 'msgpack':
    case 'sparkplug':
      return { kind: text };
    case 'auto':
      if (flag === '--decode') return { kind: 'auto' };
      throw usage(flag, text, 'auto only decodes (pub needs to know which codec to write)');
  }
  if (text.startsWith('protobuf:')) {
    const rest = text.slice('protobuf:'.length);
    const colon = rest.lastIndexOf(':');
    const file = colon > 0 ? rest.slice(0, colon) : '';
    const type = colon > 0 ? rest.slice(colon + 1) : '';
    if (file === '' || !/^\.?[A-Za-z_][\w.]*$/.test(type)) throw usage(flag, text, 'write protobuf:FILE.proto:package.Message');
    return { kind: 'protobuf', file, type: type.replace(/^\./, '') };
  }
  if (text.startsWith('avro:')) {
    const file = text.slice('avro:'.length);
    if (file === '') throw usage(flag, text, 'write avro:FILE.avsc');
    return { kind: 'avro', file };
  }
  if (text === 'protobuf' || text === 'avro') throw usage(flag, text, `${text} needs its schema: ${text === 'protobuf' ? 'protobuf:FILE.proto:package.Message' : 'avro:FILE.avsc'}`);
  throw usage(flag, text, 'unknown codec');
}
