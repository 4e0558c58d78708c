/**
 * Parsers and checks for flag values, at the command-line edge. Pure; each throws a UsageError that names the flag,
 * the bad value and the accepted range, so commander can use them as argParsers.
 */
import { UsageError } from '../errors.js';
import { MAX_FIELD_BYTES, type ProtocolVersion, type Qos } from '../protocol/types.js';

/** Refuses a value too long for an MQTT string or binary field, naming the flag. */
export function checkFieldLength(flag: string, value: string | Buffer): void {
  const bytes = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
  if (bytes > MAX_FIELD_BYTES) {
    throw new UsageError(`${flag} is ${bytes.toLocaleString('en-US')} bytes; MQTT carries at most ${MAX_FIELD_BYTES.toLocaleString('en-US')} in this field`);
  }
}

/** A user's value as an error message quotes it: whole when short, else its start and its length. */
export function shown(value: string): string {
  return value.length <= 80 ? value : `${value.slice(0, 60)}… (${value.length.toLocaleString('en-US')} characters)`;
}

export function parseInteger(flag: string, value: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`invalid value '${value}' for ${flag}: expected a whole number from ${min} to ${max}`);
  }
  return n;
}

/** A plain non-negative decimal ("0.5", "12"), or NaN: no signs, exponents or hex. */
const decimal = (value: string): number => (/^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN);

/** A duration in seconds; fractions allowed ("0.5"). */
export function parseSeconds(flag: string, value: string, min = 0): number {
  const n = decimal(value);
  if (!Number.isFinite(n) || n < min) {
    throw new UsageError(`invalid duration '${value}' for ${flag}: expected seconds, a number >= ${min}`);
  }
  return n;
}

export function parseQos(flag: string, value: string): Qos {
  if (value === '0' || value === '1' || value === '2') return Number(value) as Qos;
  throw new UsageError(`invalid QoS '${value}' for ${flag}: QoS must be 0, 1 or 2`);
}

export function parsePort(flag: string, value: string): number {
  return parseInteger(flag, value, 1, 65_535);
}

const VERSIONS: Record<string, ProtocolVersion> = {
  '3': 3,
  '31': 3,
  '3.1': 3,
  mqttv31: 3,
  '311': 4,
  '3.1.1': 4,
  mqttv311: 4,
  '4': 4,
  '5': 5,
  '5.0': 5,
  '50': 5,
  mqttv5: 5,
};

export function parseProtocolVersion(flag: string, value: string): ProtocolVersion {
  const v = VERSIONS[value.toLowerCase()];
  if (v === undefined) {
    throw new UsageError(`unknown protocol version '${shown(value)}' for ${flag}: use 5, 311 or 31 (also 5.0, 3.1.1, 3.1, the protocol levels 4 and 3, and mqttv5, mqttv311, mqttv31)`);
  }
  return v;
}

export function parseUserProperty(flag: string, value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`invalid user property '${value}' for ${flag}: expected key=value`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** Repeated --user-property pairs as MQTT 5 user properties: a key given twice keeps both values, in order. */
export function userPropertyMap(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const [k, v] of pairs) (map[k] ??= []).push(v);
  return map;
}

/** Comma-separated list of QoS levels, e.g. "0,1,2". */
export function parseQosList(flag: string, value: string): Qos[] {
  const levels = value.split(',').map((part) => parseQos(flag, part.trim()));
  return [...new Set(levels)];
}

/** A non-negative factor such as --replay-speed's (2 = twice as fast, 0 = no waiting). */
export function parseFactor(flag: string, value: string): number {
  const n = decimal(value);
  if (!Number.isFinite(n)) throw new UsageError(`invalid factor '${value}' for ${flag}: expected a number >= 0 (2 is twice as fast, 0 as fast as possible)`);
  return n;
}

/** A percentage above 0 and at most 100, such as --random-filter's. */
export function parsePercent(flag: string, value: string): number {
  const n = decimal(value);
  if (!(n > 0 && n <= 100)) throw new UsageError(`invalid percentage '${value}' for ${flag}: expected a number above 0 and at most 100`);
  return n;
}

/** --shard I/N: this process runs share I (from 0) of N; "2/3" is the third of three. */
export function parseShard(flag: string, value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m === null ? Number.NaN : Number(m[1]);
  const count = m === null ? Number.NaN : Number(m[2]);
  if (!(count >= 1 && count <= 10_000 && index >= 0 && index < count)) {
    throw new UsageError(`invalid value '${shown(value)}' for ${flag}: expected I/N, this shard's number I from 0 to N-1 of N shards (as Kubernetes' JOB_COMPLETION_INDEX counts)`);
  }
  return { index, count };
}

/** A wall-clock moment: an ISO 8601 time with its zone ("2026-12-06T10:00:00Z"), or seconds since the epoch. */
export function parseWallClock(flag: string, value: string): number {
  const v = value.trim();
  const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : /\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(v) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`invalid time '${shown(value)}' for ${flag}: expected an ISO 8601 time with its zone (2026-12-06T10:00:00Z) or seconds since the epoch`);
  return ms;
}

/** Comma-separated local addresses, each an IPv4 or IPv6 literal. */
export function parseAddressList(flag: string, value: string): string[] {
  const list = value.split(',').map((a) => a.trim());
  const bad = list.find((a) => !/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/.test(a));
  if (bad !== undefined) throw new UsageError(`invalid address '${shown(bad)}' in ${flag}: expected IP addresses of this machine, comma-separated (127.0.0.1,127.0.0.2)`);
  return [...new Set(list)];
}
