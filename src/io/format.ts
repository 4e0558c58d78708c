/**
 * Output formats for `sub`: named ones (raw, verbose, jsonl, hex, base64) and
 * mosquitto_sub-style templates (-F '%t %p'). Pure: a compiled format turns a
 * received message into bytes. Templates are data, never code: each specifier
 * maps to a fixed field.
 */
import type { IPublishPacket } from 'mqtt';
import { UsageError } from '../errors.js';

export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly messageId: number | undefined;
  readonly properties: IPublishPacket['properties'];
  /** Milliseconds since the epoch; a number, so that formats that never show it cost nothing. */
  readonly receivedAtMs: number;
  /** The payload as --decode read it; hex, base64, %x, %b and %l still show the bytes. */
  readonly decoded?: { readonly encoding: string; readonly value: unknown };
}

/** A received PUBLISH as the formatters see it, stamped with the time of arrival. */
export function toReceivedMessage(packet: IPublishPacket, receivedAtMs: number): ReceivedMessage {
  return {
    topic: packet.topic,
    payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
    qos: packet.qos,
    retain: packet.retain,
    dup: packet.dup,
    messageId: packet.messageId,
    properties: packet.properties,
    receivedAtMs,
  };
}

export interface FormatOptions {
  readonly newline: boolean;
  readonly pretty: boolean;
  /** Colours topic and metadata (only ever true on a TTY). */
  readonly style: { topic: (s: string) => string; meta: (s: string) => string };
}

/** Returns the bytes for one message, as one buffer or pieces written in order. */
export type Formatter = (m: ReceivedMessage) => Buffer | readonly Buffer[];

export const NAMED_FORMATS = ['raw', 'verbose', 'jsonl', 'hex', 'base64'] as const;
export type NamedFormat = (typeof NAMED_FORMATS)[number];

const PLAIN = { topic: (s: string) => s, meta: (s: string) => s };

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The payload as text when it is valid UTF-8, else undefined. */
export function payloadText(payload: Buffer): string | undefined {
  try {
    return utf8Decoder.decode(payload);
  } catch {
    return undefined;
  }
}

function unixTime(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000000`;
}

function userProperties(m: ReceivedMessage): Record<string, string | string[]> | undefined {
  return m.properties?.userProperties as Record<string, string | string[]> | undefined;
}

/** One JSON object per message (NDJSON). Binary payloads are base64 with "encoding": "base64"; decoded ones a JSON value with "encoding" naming the codec. */
export function toJsonObject(m: ReceivedMessage, embedJsonPayload = false): Record<string, unknown> {
  const text = m.decoded === undefined ? payloadText(m.payload) : undefined;
  const obj: Record<string, unknown> = { topic: m.topic };
  if (m.decoded !== undefined) {
    obj['payload'] = m.decoded.value;
    obj['encoding'] = m.decoded.encoding;
  } else if (text === undefined) {
    obj['payload'] = m.payload.toString('base64');
    obj['encoding'] = 'base64';
  } else if (embedJsonPayload) {
    try {
      obj['payload'] = JSON.parse(text);
    } catch {
      obj['payload'] = text;
    }
  } else {
    obj['payload'] = text;
  }
  obj['qos'] = m.qos;
  obj['retain'] = m.retain;
  obj['dup'] = m.dup;
  if (m.messageId !== undefined && m.qos > 0) obj['mid'] = m.messageId;
  const p = m.properties;
  if (p !== undefined) {
    const props: Record<string, unknown> = {};
    if (p.contentType !== undefined) props['contentType'] = p.contentType;
    if (p.responseTopic !== undefined) props['responseTopic'] = p.responseTopic;
    if (p.correlationData !== undefined) {
      const cd = Buffer.from(p.correlationData);
      const cdText = payloadText(cd);
      props['correlationData'] = cdText ?? cd.toString('base64');
      if (cdText === undefined) props['correlationDataEncoding'] = 'base64';
    }
    if (p.messageExpiryInterval !== undefined) props['messageExpiryInterval'] = p.messageExpiryInterval;
    if (p.payloadFormatIndicator !== undefined) props['payloadFormatIndicator'] = p.payloadFormatIndicator ? 1 : 0;
    if (p.topicAlias !== undefined) props['topicAlias'] = p.topicAlias;
    if (p.subscriptionIdentifier !== undefined) props['subscriptionIdentifier'] = p.subscriptionIdentifier;
    const up = userProperties(m);
    if (up !== undefined) props['userProperties'] = up;
    if (Object.keys(props).length > 0) obj['properties'] = props;
  }
  obj['receivedAt'] = new Date(m.receivedAtMs).toISOString();
  return obj;
}

/** --pretty only indents: the payload stays a string either way, so one jq filter fits both (%J embeds JSON payloads). */
function jsonLine(m: ReceivedMessage, pretty: boolean): string {
  const obj = toJsonObject(m);
  return pretty ? JSON.stringify(obj, null, 2) : JSON.stringify(obj);
}

type Piece = string | ((m: ReceivedMessage, o: FormatOptions) => string | Buffer);

/** The payload as printed: its bytes (a JSON object or array indented with --pretty), or the decoded value as JSON text. */
function shownPayload(m: ReceivedMessage, pretty: boolean): Buffer {
  if (m.decoded === undefined) return pretty ? indentedJson(m.payload) : m.payload;
  return Buffer.from(pretty ? JSON.stringify(m.decoded.value, null, 2) : JSON.stringify(m.decoded.value));
}

/** A payload that is a JSON object or array, indented; any other payload as it is. */
function indentedJson(payload: Buffer): Buffer {
  const first = payload.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first !== 0x7b && first !== 0x5b) return payload;
  try {
    return Buffer.from(JSON.stringify(JSON.parse(payload.toString('utf8')), null, 2));
  } catch {
    return payload;
  }
}

const SPECIFIERS: Record<string, (m: ReceivedMessage, o: FormatOptions) => string | Buffer> = {
  t: (m, o) => o.style.topic(m.topic),
  p: (m, o) => shownPayload(m, o.pretty),
  q: (m) => String(m.qos),
  r: (m) => (m.retain ? '1' : '0'),
  m: (m) => String(m.messageId ?? 0),
  l: (m) => String(m.payload.length),
  x: (m) => m.payload.toString('hex'),
  X: (m) => m.payload.toString('hex').toUpperCase(),
  b: (m) => m.payload.toString('base64'),
  I: (m) => new Date(m.receivedAtMs).toISOString(),
  U: (m) => unixTime(m.receivedAtMs),
  j: (m) => JSON.stringify(toJsonObject(m)),
  J: (m, o) => (o.pretty ? JSON.stringify(toJsonObject(m, true), null, 2) : JSON.stringify(toJsonObject(m, true))),
  A: (m) => (m.properties?.topicAlias === undefined ? '' : String(m.properties.topicAlias)),
  C: (m) => m.properties?.contentType ?? '',
  D: (m) => (m.properties?.correlationData === undefined ? '' : Buffer.from(m.properties.correlationData)),
  E: (m) => (m.properties?.messageExpiryInterval === undefined ? '' : String(m.properties.messageExpiryInterval)),
  F: (m) => (m.properties?.payloadFormatIndicator === undefined ? '' : m.properties.payloadFormatIndicator ? '1' : '0'),
  P: (m) =>
    Object.entries(userProperties(m) ?? {})
      .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}:${x}`) : [`${k}:${v}`]))
      .join(' '),
  R: (m) => m.properties?.responseTopic ?? '',
  S: (m) => {
    const id = m.properties?.subscriptionIdentifier;
    return id === undefined ? '' : Array.isArray(id) ? id.join(',') : String(id);
  },
};

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '0': '\0', a: '\x07', e: '\x1b', v: '\v' };

const pad2 = (n: number): string => String(n).padStart(2, '0');
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`;
}

/** mosquitto_sub's @ specifiers: strftime conversions of the receive time (local time), and @N nanoseconds. */
const TIME_SPECIFIERS: Record<string, (d: Date, ms: number) => string> = {
  Y: (d) => String(d.getFullYear()),
  y: (d) => pad2(d.getFullYear() % 100),
  C: (d) => pad2(Math.floor(d.getFullYear() / 100)),
  m: (d) => pad2(d.getMonth() + 1),
  d: (d) => pad2(d.getDate()),
  e: (d) => String(d.getDate()).padStart(2, ' '),
  H: (d) => pad2(d.getHours()),
  I: (d) => pad2(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12),
  k: (d) => String(d.getHours()).padStart(2, ' '),
  l: (d) => String(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12).padStart(2, ' '),
  M: (d) => pad2(d.getMinutes()),
  S: (d) => pad2(d.getSeconds()),
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  P: (d) => (d.getHours() < 12 ? 'am' : 'pm'),
  j: (d) => String(dayOfYear(d)).padStart(3, '0'),
  a: (d) => (DAYS[d.getDay()] as string).slice(0, 3),
  A: (d) => DAYS[d.getDay()] as string,
  b: (d) => (MONTHS[d.getMonth()] as string).slice(0, 3),
  h: (d) => (MONTHS[d.getMonth()] as string).slice(0, 3),
  B: (d) => MONTHS[d.getMonth()] as string,
  u: (d) => String(d.getDay() === 0 ? 7 : d.getDay()),
  w: (d) => String(d.getDay()),
  F: (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`,
  T: (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`,
  R: (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}`,
  D: (d) => `${pad2(d.getMonth() + 1)}/${pad2(d.getDate())}/${pad2(d.getFullYear() % 100)}`,
  s: (_d, ms) => String(Math.floor(ms / 1000)),
  z: (d) => utcOffset(d),
  Z: (d) => new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '',
  // The receive time has millisecond resolution: the last six digits are zero.
  N: (_d, ms) => `${String(ms % 1000).padStart(3, '0')}000000`,
  n: () => '\n',
  t: () => '\t',
};

/** printf-style %[-0][width][.precision]: precision cuts, width pads (left with -, with zeros with 0). */
interface FieldFormat {
  readonly left: boolean;
  readonly zero: boolean;
  readonly width: number | undefined;
  readonly precision: number | undefined;
}

function applyField(v: string | Buffer, f: FieldFormat): string | Buffer {
  if (f.width === undefined && f.precision === undefined) return v;
  const cut = f.precision === undefined ? v : typeof v === 'string' ? v.slice(0, f.precision) : v.subarray(0, f.precision);
  if (f.width === undefined || cut.length >= f.width) return cut;
  const fill = (f.zero && !f.left ? '0' : ' ').repeat(f.width - cut.length);
  if (typeof cut === 'string') return f.left ? cut + fill : fill + cut;
  return f.left ? Buffer.concat([cut, Buffer.from(fill)]) : Buffer.concat([Buffer.from(fill), cut]);
}

/** Parses a template into pieces; throws UsageError naming the bad specifier and its position. */
export function parseTemplate(template: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c === '@') {
      const next = template[i + 1];
      if (next === undefined) throw new UsageError("-F template ends with a lone '@': write '@@' for a literal one");
      if (next === '@') text += '@';
      else {
        const fn = TIME_SPECIFIERS[next];
        if (fn === undefined) throw new UsageError(`unknown -F time specifier '@${next}' at position ${i + 1}; see docs/pub-sub.md for the @ (strftime) specifiers`);
        if (text !== '') pieces.push(text);
        text = '';
        pieces.push((m) => fn(new Date(m.receivedAtMs), m.receivedAtMs));
      }
      i++;
    } else if (c === '%' || c === '\\') {
      const next = template[i + 1];
      if (next === undefined) {
        throw new UsageError(`-F template ends with a lone '${c}': write '${c}${c}' for a literal one`);
      }
      if (c === '%' && next === '%') text += '%';
      else if (c === '%') {
        const field = /^([-0]*)(\d*)(?:\.(\d*))?/.exec(template.slice(i + 1)) as RegExpExecArray;
        const spec = template[i + 1 + field[0].length];
        const fn = spec === undefined ? undefined : SPECIFIERS[spec];
        if (fn === undefined) {
          if (spec === undefined) throw new UsageError(`-F template ends inside the specifier '${template.slice(i)}'`);
          throw new UsageError(`unknown -F specifier '%${field[0]}${spec}' at position ${i + 1}; see docs/pub-sub.md for %t %p %q %r %m %l %x %X %b %I %U %j %J %C %D %E %F %P %R %S %A`);
        }
        const format: FieldFormat = {
          left: (field[1] ?? '').includes('-'),
          zero: (field[1] ?? '').includes('0'),
          width: field[2] === '' ? undefined : Number(field[2]),
          precision: field[3] === undefined ? undefined : Number(field[3] === '' ? 0 : field[3]),
        };
        if (text !== '') pieces.push(text);
        text = '';
        pieces.push(format.width === undefined && format.precision === undefined ? fn : (m, o) => applyField(fn(m, o), format));
        i += field[0].length;
      } else {
        const esc = ESCAPES[next];
        if (esc === undefined) throw new UsageError(`unknown -F escape '\\${next}' at position ${i + 1}`);
        text += esc;
      }
      i++;
    } else {
      text += c;
    }
  }
  if (text !== '') pieces.push(text);
  return pieces;
}

export function compileFormat(format: string, options: FormatOptions): Formatter {
  const eol = options.newline ? '\n' : '';
  const eolBuf = Buffer.from(eol);
  const style = options.style;
  switch (format) {
    case 'raw':
      return eol === '' ? (m) => shownPayload(m, options.pretty) : (m) => [shownPayload(m, options.pretty), eolBuf];
    case 'verbose':
      return (m) => [Buffer.from(`${style.topic(m.topic)} `), shownPayload(m, options.pretty), eolBuf];
    case 'jsonl':
      return (m) => Buffer.from(jsonLine(m, options.pretty) + eol);
    case 'hex':
      return (m) => Buffer.from(m.payload.toString('hex') + eol);
    case 'base64':
      return (m) => Buffer.from(m.payload.toString('base64') + eol);
  }
  if (!format.includes('%') && !format.includes('@')) {
    throw new UsageError(`unknown -F format '${format}': use ${NAMED_FORMATS.join(', ')} or a template with % specifiers such as '%t %p'`);
  }
  const pieces = parseTemplate(format);
  return (m) => {
    const parts = pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : toBuf(p(m, options))));
    if (eol !== '') parts.push(eolBuf);
    return Buffer.concat(parts);
  };
}

function toBuf(v: string | Buffer): Buffer {
  return typeof v === 'string' ? Buffer.from(v) : v;
}

export { PLAIN as PLAIN_STYLE };
