/**
 * What a peer's first bytes say about it when we expected a CONNACK: a web server, an
 * SSH server, a TLS server, a broker, or something else. Pure; used by the connection
 * errors of every command and by diagnose's own CONNECT probe.
 */
import mqttPacket, { type IConnackPacket, type Packet } from 'mqtt-packet';
import type { ProtocolVersion } from '../protocol/types.js';
import { readVarint } from './varint.js';

export type PeerReply =
  | { kind: 'connack'; packet: IConnackPacket }
  | { kind: 'http'; firstLine: string }
  | { kind: 'ssh'; banner: string }
  | { kind: 'tls' }
  | { kind: 'other'; hex: string };

/** undefined: not enough bytes yet to tell. */
export function classifyPeerReply(bytes: Buffer, version: ProtocolVersion): PeerReply | undefined {
  if (bytes.length === 0) return undefined;
  const text = bytes.subarray(0, 64).toString('latin1');
  if (text.startsWith('HTTP/')) return { kind: 'http', firstLine: text.split('\r\n')[0] ?? text };
  if (text.startsWith('SSH-')) return { kind: 'ssh', banner: text.split('\r\n')[0] ?? text };
  // A TLS record (alert 0x15 or handshake 0x16, version 3.x): the server wants TLS.
  if ((bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03) return { kind: 'tls' };
  if (bytes[0] === 0x20) {
    // Wait for the whole packet its remaining length announces: a CONNACK may come a byte at a time.
    const length = readVarint(bytes, 1);
    if (length.kind === 'incomplete' || (length.kind === 'value' && bytes.length < length.next + length.value)) return undefined;
    let packet: Packet | undefined;
    const parser = mqttPacket.parser({ protocolVersion: version });
    parser.on('packet', (p: Packet) => (packet ??= p));
    parser.on('error', () => {});
    parser.parse(bytes);
    if (packet?.cmd === 'connack') return { kind: 'connack', packet };
  }
  return { kind: 'other', hex: bytes.subarray(0, 16).toString('hex') };
}
