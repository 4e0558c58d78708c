/**
 * Is a packet from the broker well formed, as far as its own bytes tell? Pure: the fixed-header
 * byte and the body (the bytes after the remaining length) in, the rule it breaks out, in words
 * with the rule's number. Run on every packet before MQTT.js parses it (ack-tap.ts), so a broken
 * broker ends the connection as a protocol error instead of crashing or fooling the parser.
 * What needs state (packet ids, topic aliases, the QoS flows) is checked elsewhere.
 */
import type { ProtocolVersion } from '../protocol/types.js';
import { readVarint } from './varint.js';

const NAMES = ['reserved (0)', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

/** MQTT 5 reason codes each acknowledgement may carry (section 3.4.2.1 and the like). */
/** The specification's PUBACK/PUBREC codes, plus 0x95 (Packet too large), which Mosquitto sends there for an oversize PUBLISH: read as a refusal (reason-codes.ts). */
const PUB_ACK_CODES = new Set([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99, 0x95]);
const RELEASE_CODES = new Set([0x00, 0x92]);
const SUBACK_V5_CODES = new Set([0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2]);
const UNSUBACK_V5_CODES = new Set([0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]);
const AUTH_CODES = new Set([0x00, 0x18, 0x19]);
/** What a server may say in DISCONNECT (0x04, "with will message", is the client's alone). */
const DISCONNECT_CODES = new Set([0x00, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2]);

/** "1 byte", "5 bytes". */
function bytes(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

/** The name of a packet type, for messages. */
export function packetName(header: number): string {
  return NAMES[header >> 4] as string;
}

type PropertyType = 'byte' | 'two' | 'four' | 'varint' | 'string' | 'binary' | 'pair';

/** MQTT 5 properties by identifier (section 2.2.2.2): their type, and the packets a server may put them in. */
const PROPERTIES: Record<number, { readonly type: PropertyType; readonly in: readonly number[] }> = {
  0x01: { type: 'byte', in: [3] },
  0x02: { type: 'four', in: [3] },
  0x03: { type: 'string', in: [3] },
  0x08: { type: 'string', in: [3] },
  0x09: { type: 'binary', in: [3] },
  0x0b: { type: 'varint', in: [3] },
  0x11: { type: 'four', in: [2, 14] },
  0x12: { type: 'string', in: [2] },
  0x13: { type: 'two', in: [2] },
  0x15: { type: 'string', in: [2, 15] },
  0x16: { type: 'binary', in: [2, 15] },
  0x1a: { type: 'string', in: [2] },
  0x1c: { type: 'string', in: [2, 14] },
  0x1f: { type: 'string', in: [2, 4, 5, 6, 7, 9, 11, 14, 15] },
  0x21: { type: 'two', in: [2] },
  0x22: { type: 'two', in: [2] },
  0x23: { type: 'two', in: [3] },
  0x24: { type: 'byte', in: [2] },
  0x25: { type: 'byte', in: [2] },
  0x26: { type: 'pair', in: [2, 3, 4, 5, 6, 7, 9, 11, 14, 15] },
  0x27: { type: 'four', in: [2] },
  0x28: { type: 'byte', in: [2] },
  0x29: { type: 'byte', in: [2] },
  0x2a: { type: 'byte', in: [2] },
};

/** Properties that may appear more than once [MQTT-3.3.2-19 and the like]. */
const REPEATABLE = new Set([0x0b, 0x26]);

/** The offset after a value of `type` at `o`, or undefined when it runs past `end`. */
function skipValue(body: Buffer, o: number, end: number, type: PropertyType): number | undefined {
  const sized = (at: number): number | undefined => (at + 2 > end ? undefined : at + 2 + body.readUInt16BE(at) > end ? undefined : at + 2 + body.readUInt16BE(at));
  switch (type) {
    case 'byte':
      return o + 1 > end ? undefined : o + 1;
    case 'two':
      return o + 2 > end ? undefined : o + 2;
    case 'four':
      return o + 4 > end ? undefined : o + 4;
    case 'varint': {
      const r = readVarint(body, o);
      return r.kind !== 'value' || r.next > end ? undefined : r.next;
    }
    case 'string':
    case 'binary':
      return sized(o);
    case 'pair': {
      const key = sized(o);
      return key === undefined ? undefined : sized(key);
    }
  }
}

/** What is wrong with the MQTT 5 property block of a packet of `type` at `offset`; `last`: nothing may follow it. */
function badProperties(type: number, body: Buffer, offset: number, last: boolean): string | undefined {
  const r = readVarint(body, offset);
  if (r.kind !== 'value') return 'property length is cut short or malformed';
  const end = r.next + r.value;
  if (end > body.length) return `properties (${r.value} bytes) run past its end`;
  if (last && end < body.length) return 'bytes follow its properties';
  const seen = new Set<number>();
  for (let o = r.next; o < end; ) {
    const id = body[o] as number;
    const known = PROPERTIES[id];
    if (known === undefined) return `properties hold identifier 0x${id.toString(16).padStart(2, '0')}, which MQTT 5 does not define`;
    if (!known.in.includes(type)) return `properties hold identifier 0x${id.toString(16).padStart(2, '0')}, which this packet cannot carry`;
    if (seen.has(id) && !REPEATABLE.has(id)) return `properties hold identifier 0x${id.toString(16).padStart(2, '0')} twice`;
    seen.add(id);
    const next = skipValue(body, o + 1, end, known.type);
    if (next === undefined) return `property 0x${id.toString(16).padStart(2, '0')} runs past the property block`;
    o = next;
  }
  return undefined;
}

/** "a NAME whose PROBLEM", or undefined when there is no problem. */
function whose(name: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `a ${name} whose ${problem}`;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP: a packet id, then (MQTT 5) a reason code and properties. */
function checkAck(type: number, name: string, body: Buffer, version: ProtocolVersion, codes: ReadonlySet<number>): string | undefined {
  if (body.length < 2) return `a ${name} of ${bytes(body.length)}, too short for its packet identifier`;
  if (body.readUInt16BE(0) === 0) return `a ${name} with packet identifier 0 [MQTT-2.2.1-3]`;
  if (version !== 5) return body.length === 2 ? undefined : `a ${name} of ${bytes(body.length)}; MQTT 3.1.1 gives it exactly 2 (section 3.4.1)`;
  if (body.length === 2) return undefined;
  const code = body[2] as number;
  if (!codes.has(code)) return `a ${name} with reason code 0x${code.toString(16).padStart(2, '0')}, which a ${name} cannot carry`;
  return body.length === 3 ? undefined : whose(name, badProperties(type, body, 3, true));
}

function checkPublish(header: number, body: Buffer, version: ProtocolVersion): string | undefined {
  const qos = (header >> 1) & 3;
  if (qos === 3) return 'a PUBLISH with QoS 3 [MQTT-3.3.1-4]';
  if (qos === 0 && (header & 0x08) !== 0) return 'a QoS 0 PUBLISH with DUP set [MQTT-3.3.1-2]';
  if (body.length < 2) return `a PUBLISH of ${bytes(body.length)}, too short for its topic length`;
  let o = 2 + body.readUInt16BE(0);
  if (o > body.length) return 'a PUBLISH whose topic runs past its end';
  if (qos > 0) {
    if (o + 2 > body.length) return 'a QoS 1/2 PUBLISH cut short before its packet identifier';
    if (body.readUInt16BE(o) === 0) return 'a QoS 1/2 PUBLISH with packet identifier 0 [MQTT-2.2.1-3]';
    o += 2;
  }
  if (version === 5) return whose('PUBLISH', badProperties(3, body, o, false));
  return o === 2 ? 'a PUBLISH with an empty topic [MQTT-4.7.3-1]' : undefined;
}

/** The rule the packet breaks, in words, or undefined when its bytes are well formed. */
export function checkFrame(header: number, body: Buffer, version: ProtocolVersion): string | undefined {
  const type = header >> 4;
  const flags = header & 0x0f;
  const name = packetName(header);
  if (type !== 3 && flags !== (type === 6 ? 0b0010 : 0)) return `a ${name} with reserved flag bits 0x${flags.toString(16)} [MQTT-2.1.3-1]`;
  switch (type) {
    case 2:
      if (body.length < 2) return body.length === 0 ? 'an empty CONNACK' : `a CONNACK without its ${version === 5 ? 'reason' : 'return'} code`;
      if (((body[0] as number) & 0xfe) !== 0) return 'a CONNACK with reserved acknowledge flags set [MQTT-3.2.2-1]';
      if (version !== 5) return body.length === 2 ? undefined : `a CONNACK of ${bytes(body.length)}; MQTT 3.1.1 gives it exactly 2`;
      return body.length === 2 ? undefined : whose('CONNACK', badProperties(2, body, 2, true));
    case 3:
      return checkPublish(header, body, version);
    case 4:
    case 5:
      return checkAck(type, name, body, version, PUB_ACK_CODES);
    case 6:
    case 7:
      return checkAck(type, name, body, version, RELEASE_CODES);
    case 9:
    case 11: {
      if (body.length < 2) return `a ${name} too short for its packet identifier`;
      if (version !== 5 && type === 11) return body.length === 2 ? undefined : `an UNSUBACK of ${bytes(body.length)}; MQTT 3.1.1 gives it exactly 2`;
      let o = 2;
      if (version === 5) {
        const r = readVarint(body, 2);
        const wrong = badProperties(type, body, 2, false);
        if (wrong !== undefined || r.kind !== 'value') return whose(name, wrong ?? 'property length is cut short or malformed');
        o = r.next + r.value;
      }
      if (o >= body.length) return `a ${name} without a single return code [MQTT-3.9.3-1]`;
      const codes = version === 5 ? (type === 9 ? SUBACK_V5_CODES : UNSUBACK_V5_CODES) : new Set([0, 1, 2, 0x80]);
      for (let i = o; i < body.length; i++) {
        if (!codes.has(body[i] as number)) return `a ${name} with code 0x${(body[i] as number).toString(16).padStart(2, '0')}, which a ${name} cannot carry`;
      }
      return undefined;
    }
    case 13:
      return body.length === 0 ? undefined : `a PINGRESP of ${bytes(body.length)}; it has none`;
    case 14:
      if (version !== 5) return 'a DISCONNECT from the broker, which MQTT 3.1.1 does not have';
      if (body.length === 0) return undefined;
      if (!DISCONNECT_CODES.has(body[0] as number)) return `a DISCONNECT with reason code 0x${(body[0] as number).toString(16).padStart(2, '0')}, which a server cannot send`;
      return body.length === 1 ? undefined : whose('DISCONNECT', badProperties(14, body, 1, true));
    case 15:
      if (version !== 5) return 'an AUTH packet, which MQTT 3.1.1 does not have';
      if (body.length === 0) return undefined;
      if (!AUTH_CODES.has(body[0] as number)) return `an AUTH with reason code 0x${(body[0] as number).toString(16).padStart(2, '0')}`;
      return body.length === 1 ? undefined : whose('AUTH', badProperties(15, body, 1, true));
    default:
      return `a ${name} packet, which a broker never sends to a client`;
  }
}
