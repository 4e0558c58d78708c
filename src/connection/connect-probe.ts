/**
 * One MQTT CONNECT on a raw socket (plain or TLS), and what came back: a CONNACK, or what
 * the peer is instead (web server, SSH, TLS, other bytes), closed or silent. Bounded in
 * time; used by diagnose (version fallback) and tls-check (is a broker behind the TLS?).
 */
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type IConnackPacket, type Packet } from 'mqtt-packet';
import type { ConnectionSpec } from '../protocol/spec.js';
import { classifyPeerReply, type PeerReply } from './peer-reply.js';
import type { ProtocolVersion } from '../protocol/types.js';

export type MqttProbe =
  | { kind: 'connack'; packet: IConnackPacket; ms: number }
  | Exclude<PeerReply, { kind: 'connack' }>
  | { kind: 'closed' }
  | { kind: 'silent' }
  | { kind: 'error'; code: string };

function classify(bytes: Buffer, version: ProtocolVersion): MqttProbe | undefined {
  const reply = classifyPeerReply(bytes, version);
  return reply?.kind === 'connack' ? { ...reply, ms: 0 } : reply;
}

/** `tlsOptions`: from src/tls/probe.ts probeOptions (verification is the TLS step's business, not this probe's). */
export function mqttProbe(spec: ConnectionSpec, address: string, version: ProtocolVersion, tlsOptions: tls.ConnectionOptions | undefined, timeoutMs: number): Promise<MqttProbe> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const socket: net.Socket =
      tlsOptions === undefined ? net.connect({ host: address, port: spec.port }) : tls.connect({ ...tlsOptions, host: address, port: spec.port });
    let received = Buffer.alloc(0);
    const done = (r: MqttProbe): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(received.length > 0 ? (classify(received, version) ?? { kind: 'other', hex: received.toString('hex') }) : { kind: 'silent' }), timeoutMs);
    socket.once(tlsOptions === undefined ? 'connect' : 'secureConnect', () => {
      const connect: Record<string, unknown> = {
        cmd: 'connect',
        protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
        protocolVersion: version,
        clean: true,
        clientId: spec.clientId,
        keepalive: spec.keepaliveSeconds,
      };
      if (spec.username !== undefined) connect['username'] = spec.username;
      if (spec.password !== undefined) connect['password'] = spec.password;
      socket.write(mqttPacket.generate(connect as unknown as Packet, { protocolVersion: version }));
    });
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      const r = classify(received, version);
      if (r !== undefined) done(r.kind === 'connack' ? { ...r, ms: performance.now() - t0 } : r);
    });
    socket.once('close', () => done(received.length > 0 ? (classify(received, version) ?? { kind: 'other', hex: received.toString('hex') }) : { kind: 'closed' }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ kind: 'error', code: err.code ?? 'ERROR' }));
  });
}
