/**
 * Low-level probes for diagnose: DNS, TCP per address, a TLS handshake, and a
 * raw MQTT CONNECT whose answer is classified (CONNACK, HTTP, SSH, TLS alert,
 * unknown bytes, closed, silent). Every wait is bounded.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type IConnackPacket, type Packet } from 'mqtt-packet';
import type { ConnectionSpec } from '../connection/options.js';
import type { ProtocolVersion } from '../connection/reason-codes.js';

export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(onTimeout()), ms)))]).finally(() => clearTimeout(timer));
}

export type DnsResult = { ok: true; addresses: Array<{ address: string; family: number }> } | { ok: false; code: string };

export async function resolveHost(host: string, timeoutMs: number): Promise<DnsResult> {
  if (net.isIP(host) !== 0) return { ok: true, addresses: [{ address: host, family: net.isIP(host) }] };
  return withTimeout(
    dns.lookup(host, { all: true }).then(
      (addresses): DnsResult => ({ ok: true, addresses }),
      (err: NodeJS.ErrnoException): DnsResult => ({ ok: false, code: err.code ?? 'ERROR' }),
    ),
    timeoutMs,
    (): DnsResult => ({ ok: false, code: 'ETIMEOUT' }),
  );
}

export type TcpResult = { address: string; ok: true; ms: number } | { address: string; ok: false; code: string; ms: number };

export function tcpConnect(address: string, port: number, timeoutMs: number): Promise<TcpResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (r: TcpResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ address, ok: false, code: 'ETIMEDOUT', ms: performance.now() - t0 }), timeoutMs);
    socket.once('connect', () => done({ address, ok: true, ms: performance.now() - t0 }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ address, ok: false, code: err.code ?? 'ERROR', ms: performance.now() - t0 }));
  });
}

export interface TlsInfo {
  ok: boolean;
  ms: number;
  protocol: string | null;
  cipher: string | null;
  alpn: string | false | null;
  authorized: boolean;
  authorizationError: string | null;
  errorCode: string | null;
  /** The server certificate: subject CN, names it covers, expiry. */
  cert: { subject: string; issuer: string; names: string[]; validTo: string; daysLeft: number } | null;
  /** Bytes the server sent before the handshake failed (plain text on a TLS attempt). */
  plainReply: boolean;
}

export function tlsHandshake(address: string, port: number, options: tls.ConnectionOptions, timeoutMs: number): Promise<TlsInfo> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    // Verification is evaluated and reported here, not enforced: diagnose wants to see the certificate either way.
    const socket = tls.connect({ ...options, host: address, port, rejectUnauthorized: false });
    const base = { protocol: null, cipher: null, alpn: null, authorized: false, authorizationError: null, cert: null, plainReply: false };
    const done = (r: TlsInfo): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ...base, ok: false, ms: performance.now() - t0, errorCode: 'ETIMEDOUT' }), timeoutMs);
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      const names = (peer.subjectaltname ?? '')
        .split(', ')
        .filter((n) => n !== '')
        .map((n) => n.replace(/^(DNS|IP Address):/, ''));
      const validTo = peer.valid_to ?? '';
      let authorizationError: string | null = socket.authorizationError === null ? null : String(socket.authorizationError);
      let authorized = socket.authorized;
      const servername = options.servername ?? (net.isIP(options.host ?? '') === 0 ? options.host : undefined) ?? address;
      if (authorized && peer.raw !== undefined) {
        const identity = tls.checkServerIdentity(servername, peer);
        if (identity !== undefined) {
          authorized = false;
          authorizationError = 'ERR_TLS_CERT_ALTNAME_INVALID';
        }
      }
      done({
        ok: true,
        ms: performance.now() - t0,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher()?.name ?? null,
        alpn: socket.alpnProtocol ?? null,
        authorized,
        authorizationError,
        errorCode: null,
        cert:
          peer.subject === undefined
            ? null
            : {
                subject: String(peer.subject.CN ?? ''),
                issuer: String(peer.issuer?.CN ?? ''),
                names,
                validTo,
                daysLeft: Math.floor((Date.parse(validTo) - Date.now()) / 86_400_000),
              },
        plainReply: false,
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'ERROR';
      done({ ...base, ok: false, ms: performance.now() - t0, errorCode: code, plainReply: code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' });
    });
  });
}

export type MqttProbe =
  | { kind: 'connack'; packet: IConnackPacket; ms: number }
  | { kind: 'http'; firstLine: string }
  | { kind: 'ssh'; banner: string }
  | { kind: 'tls-alert' }
  | { kind: 'other'; hex: string }
  | { kind: 'closed' }
  | { kind: 'silent' }
  | { kind: 'error'; code: string };

/** Classifies what a peer answers to an MQTT CONNECT. */
export function classifyReply(bytes: Buffer, version: ProtocolVersion): MqttProbe | undefined {
  if (bytes.length === 0) return undefined;
  const text = bytes.subarray(0, 64).toString('latin1');
  if (text.startsWith('HTTP/')) return { kind: 'http', firstLine: text.split('\r\n')[0] ?? text };
  if (text.startsWith('SSH-')) return { kind: 'ssh', banner: text.split('\r\n')[0] ?? text };
  // A TLS record (alert 0x15 or handshake 0x16, version 3.x): the server wants TLS.
  if ((bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03) return { kind: 'tls-alert' };
  if (bytes[0] === 0x20) {
    let packet: Packet | undefined;
    const parser = mqttPacket.parser({ protocolVersion: version });
    parser.on('packet', (p: Packet) => (packet ??= p));
    parser.on('error', () => {});
    parser.parse(bytes);
    if (packet?.cmd === 'connack') return { kind: 'connack', packet, ms: 0 };
    if (bytes.length < 4) return undefined;
  }
  return { kind: 'other', hex: bytes.subarray(0, 16).toString('hex') };
}

export function mqttProbe(spec: ConnectionSpec, address: string, version: ProtocolVersion, tlsOptions: tls.ConnectionOptions | undefined, timeoutMs: number): Promise<MqttProbe> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const socket: net.Socket =
      tlsOptions === undefined ? net.connect({ host: address, port: spec.port }) : tls.connect({ ...tlsOptions, host: address, port: spec.port, rejectUnauthorized: false });
    let received = Buffer.alloc(0);
    const done = (r: MqttProbe): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(received.length > 0 ? (classifyReply(received, version) ?? { kind: 'other', hex: received.toString('hex') }) : { kind: 'silent' }), timeoutMs);
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
      const r = classifyReply(received, version);
      if (r !== undefined) done(r.kind === 'connack' ? { ...r, ms: performance.now() - t0 } : r);
    });
    socket.once('close', () => done(received.length > 0 ? (classifyReply(received, version) ?? { kind: 'other', hex: received.toString('hex') }) : { kind: 'closed' }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ kind: 'error', code: err.code ?? 'ERROR' }));
  });
}
