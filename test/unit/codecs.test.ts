/** Codecs: flag parsing, the JSON markers, each codec's round trip, Sparkplug values and session checks. */
import { describe, expect, test } from 'vitest';
import { avroCodec } from '../../src/codecs/avro.js';
import { cborCodec } from '../../src/codecs/cbor.js';
import { jsonCodec } from '../../src/codecs/codec.js';
import { fromJsonValue, toJsonValue } from '../../src/codecs/json-value.js';
import { msgpackCodec } from '../../src/codecs/msgpack.js';
import { protobufCodec } from '../../src/codecs/protobuf.js';
import { parseCodec } from '../../src/codecs/spec.js';
import { sparkplugCodec, sparkplugReader } from '../../src/codecs/sparkplug.js';
import { parseSparkplugTopic, SparkplugTracker } from '../../src/codecs/sparkplug-session.js';
import { UsageError } from '../../src/errors.js';
import protobuf from 'protobufjs';
import { SPARKPLUG_PROTO } from '../../src/codecs/sparkplug-schema.js';

const Payload = protobuf.parse(SPARKPLUG_PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');

describe('parseCodec', () => {
  test('plain and schema codecs', () => {
    expect(parseCodec('cbor', '--decode')).toEqual({ kind: 'cbor' });
    expect(parseCodec('auto', '--decode')).toEqual({ kind: 'auto' });
    expect(parseCodec('protobuf:a/b.proto:pkg.Msg', '--encode')).toEqual({ kind: 'protobuf', file: 'a/b.proto', type: 'pkg.Msg' });
    expect(parseCodec('protobuf:C:\\x.proto:M', '--encode')).toEqual({ kind: 'protobuf', file: 'C:\\x.proto', type: 'M' });
    expect(parseCodec('avro:s.avsc', '--decode')).toEqual({ kind: 'avro', file: 's.avsc' });
  });
  test.each([
    ['auto', '--encode', /auto only decodes/],
    ['protobuf', '--decode', /needs its schema/],
    ['protobuf:x.proto', '--decode', /protobuf:FILE.proto:package.Message/],
    ['yaml', '--decode', /unknown codec/],
  ] as const)('%s for %s is a usage error', (text, flag, message) => {
    expect(() => parseCodec(text, flag as '--decode')).toThrow(UsageError);
    expect(() => parseCodec(text, flag as '--decode')).toThrow(message);
  });
});

test('bytes and big integers survive the trip through JSON', () => {
  const v = toJsonValue({ b: new Uint8Array([0, 255]), big: 2n ** 63n, small: 5n, m: new Map([[1, 'x']]), d: new Date(0), u: undefined });
  expect(v).toEqual({ b: { $base64: 'AP8=' }, big: { $bigint: '9223372036854775808' }, small: 5, m: { '1': 'x' }, d: '1970-01-01T00:00:00.000Z', u: null });
  expect(fromJsonValue(v)).toMatchObject({ b: Buffer.from([0, 255]), big: 2n ** 63n, small: 5 });
});

describe('round trips', () => {
  const value = { name: 'pump', on: true, rpm: 1450.5, n: -3, tags: ['a', 'b'], raw: { $base64: 'AQID' }, big: { $bigint: '18446744073709551615' } };
  test.each([
    ['cbor', cborCodec],
    ['msgpack', msgpackCodec],
  ])('%s', (_name, codec) => {
    expect(codec.decode(codec.encode(value))).toEqual(value);
  });
  test('json validates and embeds', () => {
    expect(jsonCodec.decode(Buffer.from('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(() => jsonCodec.decode(Buffer.from('{"a":'))).toThrow();
    expect(() => jsonCodec.decode(Buffer.from([0xff]))).toThrow('not UTF-8');
  });
  test('avro with a schema', () => {
    const codec = avroCodec(JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'id', type: 'long' }, { name: 'label', type: ['null', 'string'] }, { name: 'blob', type: 'bytes' }] }));
    const v = { id: 42, label: 'x', blob: { $base64: 'AQI=' } };
    expect(codec.decode(codec.encode(v))).toEqual(v);
    expect(() => codec.encode({ id: 'no', label: null, blob: { $base64: '' } })).toThrow(/does not match the schema at id/);
    expect(() => avroCodec('{"type":')).toThrow(/not JSON/);
  });
  test('protobuf with a .proto and an import', () => {
    const files: Record<string, string> = {
      'main.proto': 'syntax = "proto3"; package demo; import "unit.proto"; message Reading { string sensor = 1; int64 at = 2; double value = 3; demo.Unit unit = 4; bytes raw = 5; }',
      'unit.proto': 'syntax = "proto3"; package demo; enum Unit { NONE = 0; CELSIUS = 1; }',
    };
    const codec = protobufCodec('main.proto', (f) => files[f] as string, 'demo.Reading');
    const v = { sensor: 't1', at: '1767225600000', value: 21.5, unit: 'CELSIUS', raw: 'AQI=' };
    expect(codec.decode(codec.encode(v))).toEqual(v);
    expect(() => codec.encode({ sensr: 't1' })).toThrow(/no field 'sensr'/);
    expect(() => protobufCodec('main.proto', (f) => files[f] as string, 'demo.Nope')).toThrow(/no message type 'demo.Nope'.*demo.Reading/);
    expect(() => protobufCodec('bad.proto', () => 'message {', 'X')).toThrow(/^bad.proto: /);
  });
});

describe('Sparkplug B', () => {
  const birth = {
    timestamp: '2026-11-26T10:00:00.000Z',
    seq: 0,
    metrics: [
      { name: 'bdSeq', datatype: 'UInt64', value: 7 },
      { name: 'Temperature', alias: 1, datatype: 'Int32', value: -5 },
      { name: 'Pressure', alias: 2, datatype: 'Double', value: 1.5 },
      { name: 'Counts', alias: 3, datatype: 'Int16Array', value: [-1, 2, 300] },
      { name: 'Names', alias: 4, datatype: 'StringArray', value: ['a', 'b'] },
      { name: 'Flags', alias: 5, datatype: 'BooleanArray', value: [true, false, true] },
      { name: 'Big', alias: 6, datatype: 'Int64', value: '-9007199254740993' },
      { name: 'When', alias: 7, datatype: 'DateTime', value: '2026-01-01T00:00:00.000Z' },
    ],
  };
  test('values in their datatypes, signed integers sign-extended, arrays unpacked, times as ISO', () => {
    const decoded = sparkplugCodec.decode(sparkplugCodec.encode(birth)) as { metrics: Array<{ name: string; value: unknown; datatype: string }> };
    expect(decoded).toMatchObject({ timestamp: '2026-11-26T10:00:00.000Z', seq: 0 });
    expect(decoded.metrics.map((m) => [m.name, m.datatype, m.value])).toEqual([
      ['bdSeq', 'UInt64', 7],
      ['Temperature', 'Int32', -5],
      ['Pressure', 'Double', 1.5],
      ['Counts', 'Int16Array', [-1, 2, 300]],
      ['Names', 'StringArray', ['a', 'b']],
      ['Flags', 'BooleanArray', [true, false, true]],
      ['Big', 'Int64', '-9007199254740993'],
      ['When', 'DateTime', '2026-01-01T00:00:00.000Z'],
    ]);
  });
  test('a reader resolves aliases from the birth, reports sequence gaps and pairs NDEATH with NBIRTH by bdSeq', () => {
    const read = sparkplugReader();
    const enc = (v: unknown): Buffer => sparkplugCodec.encode(v);
    expect(read('spBv1.0/plant/NBIRTH/edge1', enc(birth)).notices).toEqual([]);
    // Without its datatype, an Int32 -5 arrives as 4294967291 in int_value: the birth's datatype makes it -5 again.
    const data = read('spBv1.0/plant/NDATA/edge1', enc({ seq: 1, metrics: [{ alias: 1, datatype: 'UInt32', value: 4294967291 }] }));
    expect(data.value).toMatchObject({ metrics: [{ name: 'Temperature', alias: 1 }] });
    const untyped = Buffer.from(Payload.encode(Payload.fromObject({ seq: 2, metrics: [{ alias: 1, int_value: 4294967291 }] })).finish());
    const typed = read('spBv1.0/plant/NDATA/edge1', untyped);
    expect(typed.notices).toEqual([]);
    expect(typed.value).toMatchObject({ metrics: [{ name: 'Temperature', datatype: 'Int32', value: -5 }] });
    const gap = read('spBv1.0/plant/NDATA/edge1', enc({ seq: 5, metrics: [{ alias: 2, datatype: 'Double', value: 2 }] }));
    expect(gap.notices).toEqual(['plant/edge1: sequence gap: expected seq 3, got 5 (NDATA): 2 messages lost or out of order']);
    expect(gap.value).toMatchObject({ metrics: [{ name: 'Pressure', value: 2 }] });
    const stale = read('spBv1.0/plant/NDEATH/edge1', enc({ metrics: [{ name: 'bdSeq', datatype: 'UInt64', value: 6 }] }));
    expect(stale.notices[0]).toMatch(/NDEATH bdSeq 6 does not match the latest NBIRTH \(bdSeq 7\)/);
    const death = read('spBv1.0/plant/NDEATH/edge1', enc({ metrics: [{ name: 'bdSeq', datatype: 'UInt64', value: 7 }] }));
    expect(death.notices[0]).toMatch(/NDEATH bdSeq 7 matches the NBIRTH/);
  });
  test('sequence numbers wrap at 255, and an alias with no birth is reported once', () => {
    const t = new SparkplugTracker();
    const topic = parseSparkplugTopic('spBv1.0/g/NDATA/e')!;
    const o = (seq: number) => ({ seq, metrics: [{ name: undefined, alias: '9', datatype: undefined }], bdSeq: undefined });
    expect(t.observe(topic, o(254)).notices).toHaveLength(1);
    expect(t.observe(topic, o(255)).notices).toEqual([]);
    expect(t.observe(topic, o(0)).notices).toEqual([]);
  });
  test('topics', () => {
    expect(parseSparkplugTopic('spBv1.0/g/DDATA/e/d')).toEqual({ group: 'g', type: 'DDATA', edge: 'e', device: 'd' });
    expect(parseSparkplugTopic('spBv1.0/STATE/host')).toBeUndefined();
    expect(parseSparkplugTopic('spBv1.0/g/NDATA/e/d')).toBeUndefined();
    expect(parseSparkplugTopic('spAv1.0/g/NDATA/e')).toBeUndefined();
  });
});
