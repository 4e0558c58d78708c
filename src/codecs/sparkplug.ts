/**
 * Sparkplug B payloads (org.eclipse.tahu.protobuf.Payload) as JSON a person reads: ISO times,
 * datatype names, each metric's value under "value" in its datatype (signed integers sign-extended
 * from their unsigned wire field, arrays unpacked), metric names resolved from the aliases of the
 * latest birth. Encoding takes the same shape back. Bundled as dist/codec-protobuf.cjs.
 */
import protobuf from 'protobufjs';
import type { Codec } from './codec.js';
import type { JsonValue } from './json-value.js';
import { SPARKPLUG_PROTO } from './sparkplug-schema.js';
import { parseSparkplugTopic, SparkplugTracker, type BirthMetric, type MetricHead } from './sparkplug-session.js';

const root = protobuf.parse(SPARKPLUG_PROTO, { keepCase: true }).root;
const Payload = root.lookupType('org.eclipse.tahu.protobuf.Payload');

export const DATATYPES = [
  '', 'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime', 'Text',
  'UUID', 'DataSet', 'Bytes', 'File', 'Template', 'PropertySet', 'PropertySetList', 'Int8Array', 'Int16Array', 'Int32Array', 'Int64Array',
  'UInt8Array', 'UInt16Array', 'UInt32Array', 'UInt64Array', 'FloatArray', 'DoubleArray', 'BooleanArray', 'StringArray', 'DateTimeArray',
] as const;

type Msg = Record<string, unknown> & { value?: string };
type Long = { low: number; high: number };

function u64(v: unknown): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  const l = v as Long;
  return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
}
const num = (b: bigint): number | string => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString());
const iso = (ms: bigint): string => {
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? ms.toString() : d.toISOString();
};
const has = (m: Msg, field: string): boolean => Object.prototype.hasOwnProperty.call(m, field);

/** The value of a oneof-carrying message (metric, parameter, property, dataset cell) in its datatype. */
function valueOf(m: Msg, datatype: number | undefined): JsonValue {
  const field = m.value;
  if (field === undefined) return null;
  const raw = m[field];
  switch (field) {
    case 'int_value': {
      const v = raw as number;
      if (datatype === 1) return (v << 24) >> 24;
      if (datatype === 2) return (v << 16) >> 16;
      if (datatype === 3) return v | 0;
      return v;
    }
    case 'long_value': {
      const b = u64(raw);
      if (datatype === 4) return num(BigInt.asIntN(64, b));
      if (datatype === 13) return iso(b);
      return num(b);
    }
    case 'float_value':
    case 'double_value':
    case 'boolean_value':
    case 'string_value':
      return raw as JsonValue;
    case 'bytes_value':
      return datatype !== undefined && datatype >= 22 ? unpackArray(Buffer.from(raw as Uint8Array), datatype) : Buffer.from(raw as Uint8Array).toString('base64');
    case 'dataset_value':
      return dataSet(raw as Msg);
    case 'template_value':
      return template(raw as Msg);
    case 'propertyset_value':
      return propertySet(raw as Msg);
    case 'propertysets_value':
      return ((raw as Msg)['propertyset'] as Msg[]).map(propertySet);
  }
  return null;
}

const ARRAY_WIDTH: Record<number, number> = { 22: 1, 23: 2, 24: 4, 25: 8, 26: 1, 27: 2, 28: 4, 29: 8, 30: 4, 31: 8, 34: 8 };

/** Sparkplug 3.0 arrays travel little-endian in bytes_value. */
function unpackArray(b: Buffer, datatype: number): JsonValue {
  if (datatype === 33) return b.toString('utf8').split('\0').slice(0, -1);
  if (datatype === 32) {
    const count = b.readUInt32LE(0);
    return Array.from({ length: count }, (_, i) => (((b[4 + (i >> 3)] ?? 0) >> (7 - (i & 7))) & 1) === 1);
  }
  const width = ARRAY_WIDTH[datatype];
  if (width === undefined) return b.toString('base64');
  const out: JsonValue[] = [];
  for (let o = 0; o + width <= b.length; o += width) {
    switch (datatype) {
      case 22: out.push(b.readInt8(o)); break;
      case 23: out.push(b.readInt16LE(o)); break;
      case 24: out.push(b.readInt32LE(o)); break;
      case 25: out.push(num(b.readBigInt64LE(o))); break;
      case 26: out.push(b.readUInt8(o)); break;
      case 27: out.push(b.readUInt16LE(o)); break;
      case 28: out.push(b.readUInt32LE(o)); break;
      case 29: out.push(num(b.readBigUInt64LE(o))); break;
      case 30: out.push(b.readFloatLE(o)); break;
      case 31: out.push(b.readDoubleLE(o)); break;
      case 34: out.push(iso(b.readBigInt64LE(o))); break;
    }
  }
  return out;
}

function packArray(values: unknown, datatype: number): Buffer {
  if (!Array.isArray(values)) throw new Error(`a ${DATATYPES[datatype]} value must be a JSON array`);
  if (datatype === 33) return Buffer.concat(values.map((v) => Buffer.from(`${String(v)}\0`, 'utf8')));
  if (datatype === 32) {
    const b = Buffer.alloc(4 + Math.ceil(values.length / 8));
    b.writeUInt32LE(values.length, 0);
    values.forEach((v, i) => {
      if (v === true) b[4 + (i >> 3)] = (b[4 + (i >> 3)] as number) | (1 << (7 - (i & 7)));
    });
    return b;
  }
  const width = ARRAY_WIDTH[datatype] as number;
  const b = Buffer.alloc(width * values.length);
  values.forEach((v, i) => {
    const o = i * width;
    switch (datatype) {
      case 22: b.writeInt8(Number(v), o); break;
      case 23: b.writeInt16LE(Number(v), o); break;
      case 24: b.writeInt32LE(Number(v), o); break;
      case 25: b.writeBigInt64LE(BigInt(v as number | string), o); break;
      case 26: b.writeUInt8(Number(v), o); break;
      case 27: b.writeUInt16LE(Number(v), o); break;
      case 28: b.writeUInt32LE(Number(v), o); break;
      case 29: b.writeBigUInt64LE(BigInt(v as number | string), o); break;
      case 30: b.writeFloatLE(Number(v), o); break;
      case 31: b.writeDoubleLE(Number(v), o); break;
      case 34: b.writeBigInt64LE(BigInt(toMs(v)), o); break;
    }
  });
  return b;
}

function dataSet(d: Msg): JsonValue {
  const types = (d['types'] as number[] | undefined) ?? [];
  return {
    columns: (d['columns'] as string[] | undefined) ?? [],
    types: types.map((t) => DATATYPES[t] ?? t),
    rows: ((d['rows'] as Msg[] | undefined) ?? []).map((r) => ((r['elements'] as Msg[] | undefined) ?? []).map((e, i) => valueOf(e, types[i]))),
  };
}

function template(t: Msg): JsonValue {
  const out: Record<string, JsonValue> = {};
  if (has(t, 'version')) out['version'] = t['version'] as string;
  if (has(t, 'template_ref')) out['templateRef'] = t['template_ref'] as string;
  if (has(t, 'is_definition')) out['isDefinition'] = t['is_definition'] as boolean;
  out['metrics'] = ((t['metrics'] as Msg[] | undefined) ?? []).map((m) => metric(m, undefined));
  const params = (t['parameters'] as Msg[] | undefined) ?? [];
  if (params.length > 0) out['parameters'] = params.map((p) => ({ name: (p['name'] as string | undefined) ?? null, type: DATATYPES[p['type'] as number] ?? null, value: valueOf(p, p['type'] as number | undefined) }));
  return out;
}

function propertySet(p: Msg): JsonValue {
  const keys = (p['keys'] as string[] | undefined) ?? [];
  const values = (p['values'] as Msg[] | undefined) ?? [];
  const out: Record<string, JsonValue> = {};
  keys.forEach((k, i) => {
    const v = values[i];
    out[k] = v === undefined || v['is_null'] === true ? null : valueOf(v, v['type'] as number | undefined);
  });
  return out;
}

function metric(m: Msg, birth: BirthMetric | undefined): JsonValue {
  const out: Record<string, JsonValue> = {};
  const name = has(m, 'name') ? (m['name'] as string) : birth?.name;
  if (name !== undefined) out['name'] = name;
  if (has(m, 'alias')) out['alias'] = num(u64(m['alias']));
  if (has(m, 'timestamp')) out['timestamp'] = iso(u64(m['timestamp']));
  const datatype = has(m, 'datatype') ? (m['datatype'] as number) : birth?.datatype;
  if (datatype !== undefined) out['datatype'] = DATATYPES[datatype] ?? datatype;
  if (m['is_historical'] === true) out['isHistorical'] = true;
  if (m['is_transient'] === true) out['isTransient'] = true;
  out['value'] = m['is_null'] === true ? null : valueOf(m, datatype);
  if (m['is_null'] === true) out['isNull'] = true;
  if (has(m, 'properties')) out['properties'] = propertySet(m['properties'] as Msg);
  if (has(m, 'metadata')) out['metadata'] = Payload.lookupType('MetaData').toObject(m['metadata'] as protobuf.Message, { longs: String }) as JsonValue;
  return out;
}

function payloadJson(p: Msg, lookup: (alias: string) => BirthMetric | undefined): JsonValue {
  const out: Record<string, JsonValue> = {};
  if (has(p, 'timestamp')) out['timestamp'] = iso(u64(p['timestamp']));
  if (has(p, 'seq')) out['seq'] = num(u64(p['seq']));
  if (has(p, 'uuid')) out['uuid'] = p['uuid'] as string;
  out['metrics'] = ((p['metrics'] as Msg[] | undefined) ?? []).map((m) => metric(m, has(m, 'name') || !has(m, 'alias') ? undefined : lookup(u64(m['alias']).toString())));
  if (has(p, 'body')) out['body'] = Buffer.from(p['body'] as Uint8Array).toString('base64');
  return out;
}

function heads(p: Msg): MetricHead[] {
  return ((p['metrics'] as Msg[] | undefined) ?? []).map((m) => ({
    name: has(m, 'name') ? (m['name'] as string) : undefined,
    alias: has(m, 'alias') ? u64(m['alias']).toString() : undefined,
    datatype: has(m, 'datatype') ? (m['datatype'] as number) : undefined,
  }));
}

function bdSeqOf(p: Msg): string | undefined {
  const m = ((p['metrics'] as Msg[] | undefined) ?? []).find((x) => x['name'] === 'bdSeq');
  if (m === undefined || m.value === undefined) return undefined;
  return String(m.value === 'long_value' ? u64(m['long_value']) : m[m.value]);
}

// ---- encoding: the decoded shape back to bytes ----

function toMs(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new Error(`'${String(v)}' is not a time (an ISO time or milliseconds since 1970)`);
  return t;
}

function datatypeNumber(v: unknown, value: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const i = (DATATYPES as readonly string[]).indexOf(v);
    if (i > 0) return i;
    throw new Error(`unknown Sparkplug datatype '${v}' (${DATATYPES.slice(1).join(', ')})`);
  }
  // No datatype given: the one a JSON value of this kind fits.
  if (typeof value === 'boolean') return 11;
  if (typeof value === 'string') return 12;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  throw new Error('a metric without a datatype needs a boolean, string or number value');
}

function valueFields(datatype: number, v: unknown): Record<string, unknown> {
  if (datatype >= 1 && datatype <= 3) return { int_value: Number(v) >>> 0 };
  if (datatype >= 5 && datatype <= 7) return { int_value: Number(v) };
  if (datatype === 4 || datatype === 8) return { long_value: BigInt.asUintN(64, BigInt(v as number | string)).toString() };
  if (datatype === 13) return { long_value: String(toMs(v)) };
  if (datatype === 9) return { float_value: Number(v) };
  if (datatype === 10) return { double_value: Number(v) };
  if (datatype === 11) return { boolean_value: v === true };
  if (datatype === 12 || datatype === 14 || datatype === 15) return { string_value: String(v) };
  if (datatype === 17 || datatype === 18) return { bytes_value: Buffer.from(String(v), 'base64') };
  if (datatype >= 22 && datatype <= 34) return { bytes_value: packArray(v, datatype) };
  if (datatype === 16) {
    const d = v as { columns?: string[]; types?: unknown[]; rows?: unknown[][] };
    const types = (d.types ?? []).map((t) => datatypeNumber(t, undefined));
    return {
      dataset_value: {
        num_of_columns: String(d.columns?.length ?? 0),
        columns: d.columns ?? [],
        types,
        rows: (d.rows ?? []).map((r) => ({ elements: r.map((x, i) => valueFields(types[i] ?? 12, x)) })),
      },
    };
  }
  if (datatype === 19) {
    const t = v as { version?: string; templateRef?: string; isDefinition?: boolean; metrics?: unknown[]; parameters?: Array<{ name?: string; type?: unknown; value?: unknown }> };
    return {
      template_value: {
        version: t.version,
        template_ref: t.templateRef,
        is_definition: t.isDefinition,
        metrics: (t.metrics ?? []).map(metricFields),
        parameters: (t.parameters ?? []).map((p) => {
          const type = datatypeNumber(p.type, p.value);
          return { name: p.name, type, ...valueFields(type, p.value) };
        }),
      },
    };
  }
  throw new Error(`cannot write a ${DATATYPES[datatype] ?? datatype} value`);
}

function metricFields(x: unknown): Record<string, unknown> {
  if (x === null || typeof x !== 'object') throw new Error('each metric must be a JSON object');
  const m = x as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (m['name'] !== undefined) out['name'] = String(m['name']);
  if (m['alias'] !== undefined) out['alias'] = String(m['alias']);
  if (m['timestamp'] !== undefined) out['timestamp'] = String(toMs(m['timestamp']));
  const datatype = datatypeNumber(m['datatype'], m['value']);
  out['datatype'] = datatype;
  if (m['isHistorical'] === true) out['is_historical'] = true;
  if (m['isTransient'] === true) out['is_transient'] = true;
  if (m['value'] === null || m['value'] === undefined || m['isNull'] === true) out['is_null'] = true;
  else Object.assign(out, valueFields(datatype, m['value']));
  return out;
}

function encodePayload(value: unknown): Buffer {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('a Sparkplug payload is a JSON object: {"timestamp", "seq", "metrics": [...]}');
  const v = value as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  if (v['timestamp'] !== undefined) fields['timestamp'] = String(toMs(v['timestamp']));
  if (v['seq'] !== undefined) fields['seq'] = String(v['seq']);
  if (v['uuid'] !== undefined) fields['uuid'] = String(v['uuid']);
  if (v['body'] !== undefined) fields['body'] = Buffer.from(String(v['body']), 'base64');
  fields['metrics'] = ((v['metrics'] as unknown[] | undefined) ?? []).map(metricFields);
  return Buffer.from(Payload.encode(Payload.fromObject(fields)).finish());
}

/** Decoding without context: each message on its own (no alias resolution, no sequence checks). */
export const sparkplugCodec: Codec = {
  encoding: 'sparkplug',
  decode: (payload) => payloadJson(Payload.decode(payload) as unknown as Msg, () => undefined),
  encode: encodePayload,
};

/** A reader of one subscription's Sparkplug traffic: aliases resolved, sequence and bdSeq checked. */
export function sparkplugReader(): (topic: string, payload: Buffer) => { value: JsonValue; notices: string[] } {
  const tracker = new SparkplugTracker();
  return (topic, payload) => {
    const p = Payload.decode(payload) as unknown as Msg;
    const t = parseSparkplugTopic(topic);
    if (t === undefined) return { value: payloadJson(p, () => undefined), notices: [] };
    const seq = has(p, 'seq') ? Number(u64(p['seq'])) : undefined;
    const observed = tracker.observe(t, { seq, metrics: heads(p), bdSeq: bdSeqOf(p) });
    return { value: payloadJson(p, observed.lookup), notices: observed.notices };
  };
}
