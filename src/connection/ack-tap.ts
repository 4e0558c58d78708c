/**
 * A tap between the socket and MQTT.js, on every connection. It frames incoming MQTT packets
 * and checks each one's bytes (frame-check.ts) before anything parses it: a broker that sends a
 * broken packet ends the connection as a protocol error. For publishers it hands PUBACK, PUBREC
 * and PUBCOMP to the publish hot path, which owns those packet ids, so they skip MQTT.js's
 * parser, packet queue and ack handler (the largest cost left in `pub -l` at QoS 1/2); bench
 * subscribers also take their PUBLISH and PUBREL packets here. Every other packet passes
 * through unchanged.
 */
import { type Duplex, Transform } from 'node:stream';
import type { ProtocolVersion } from '../protocol/types.js';
import { checkFrame } from './frame-check.js';
import { readVarint } from './varint.js';

/** Returns true when it consumed the ack. `code` is the MQTT 5 reason code, 0 when absent. */
export type AckHandler = (type: 4 | 5 | 7, id: number, code: number) => boolean;

export interface AckTap {
  handler: AckHandler | undefined;
  /** Receives PUBLISH (type 3) and PUBREL (type 6) packets: fixed-header byte and body. Returns true when consumed. */
  onPacket?: (header: number, body: Buffer) => boolean;
  /** Set by installInboundTap: writes to the socket, for the acks a consumer owes. */
  write?: (data: Buffer) => void;
}

/** The code of the error a connection is ended with when the broker broke the protocol. */
export const PROTOCOL_VIOLATION = 'ERR_MQTT_PROTOCOL_VIOLATION';

/** The error to end a connection with when the broker broke the protocol; `what` says how, in words. */
export function protocolViolationError(what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(what), { code: PROTOCOL_VIOLATION });
}

/** The error a stream ends with when the peer sent a remaining length of more than four bytes. */
function malformedPacketError(typeByte: number): NodeJS.ErrnoException {
  return protocolViolationError(`a packet (type ${typeByte >> 4}) with a malformed remaining length: more than four bytes [MQTT-1.5.5]`);
}

/**
 * Makes `stream.pipe(dest)` (how MQTT.js reads) go through the tap. `tap`: the consumers of
 * acknowledgements and (bench) PUBLISH/PUBREL packets; without one, packets are only checked.
 */
export function installInboundTap(stream: Duplex, version: ProtocolVersion, tap: AckTap = { handler: undefined }): void {
  const pipe = stream.pipe.bind(stream);
  tap.write = (data) => {
    stream.write(data);
  };
  /** The chunks of an incomplete packet at the head, and the bytes it needs in all (0: its header is not in yet). */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let needed = 0;
  const filter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      // A large packet arrives in many chunks: they are joined once it is whole, not at every chunk.
      if (pendingBytes > 0 && pendingBytes + chunk.length < needed) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        done();
        return;
      }
      const data = pendingBytes === 0 ? chunk : Buffer.concat([...pending, chunk]);
      pending = [];
      pendingBytes = 0;
      needed = 0;
      const keep: Buffer[] = [];
      let start = 0;
      let offset = 0;
      let consumed = false;
      while (offset < data.length) {
        // Fixed header: type byte, then the remaining length.
        const header = readVarint(data, offset + 1);
        if (header.kind === 'malformed') {
          // Nothing after this can be framed: end the connection instead of buffering for ever.
          stream.destroy(malformedPacketError(data[offset] as number));
          done();
          return;
        }
        if (header.kind === 'incomplete' || header.next + header.value > data.length) break;
        const i = header.next;
        const length = header.value;
        const type = (data[offset] as number) >> 4;
        const end = i + length;
        const violation = checkFrame(data[offset] as number, data.subarray(i, end), version);
        if (violation !== undefined) {
          // Whatever came before it was handed on; nothing from this packet on is.
          if (offset > start) keep.push(data.subarray(start, offset));
          if (keep.length > 0) this.push(keep.length === 1 ? keep[0] : Buffer.concat(keep));
          stream.destroy(protocolViolationError(violation));
          done();
          return;
        }
        if ((type === 3 || type === 6) && tap.onPacket !== undefined && tap.onPacket(data[offset] as number, data.subarray(i, end))) {
          if (offset > start) keep.push(data.subarray(start, offset));
          start = end;
          consumed = true;
        } else if ((type === 4 || type === 5 || type === 7) && tap.handler !== undefined) {
          const id = data.readUInt16BE(i);
          const code = length >= 3 ? (data[i + 2] as number) : 0;
          if (tap.handler(type, id, code)) {
            if (offset > start) keep.push(data.subarray(start, offset));
            start = end;
            consumed = true;
          }
        }
        offset = end;
      }
      if (offset < data.length) {
        const rest = data.subarray(offset);
        pending = [rest];
        pendingBytes = rest.length;
        const head = readVarint(rest, 1);
        needed = head.kind === 'value' ? head.next + head.value : 0;
      }
      if (!consumed) {
        if (offset > 0) this.push(offset === data.length ? data : data.subarray(0, offset));
      } else {
        if (offset > start) keep.push(data.subarray(start, offset));
        if (keep.length > 0) this.push(keep.length === 1 ? keep[0] : Buffer.concat(keep));
      }
      done();
    },
  });
  stream.pipe = (<T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T => {
    pipe(filter);
    return filter.pipe(dest, options);
  }) as typeof stream.pipe;
}
