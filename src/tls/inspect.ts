/** tls-check's network side: handshakes against a TLS endpoint, each bounded in time. */
import net from 'node:net';
import tls from 'node:tls';
import type { ConnectionSpec } from '../connection/options.js';
import { describeCertificate, type CertificateInfo } from './certificate.js';

export interface HandshakeResult {
  ok: boolean;
  errorCode: string | null;
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  authorized: boolean;
  authorizationError: string | null;
  chain: CertificateInfo[];
  /** Raw peer certificate for host-name checks. */
  peer: tls.PeerCertificate | null;
  /** An alert that arrived right after the handshake (TLS 1.3 reports a missing client certificate this way). */
  postHandshakeError: string | null;
}

export function baseOptions(spec: ConnectionSpec): tls.ConnectionOptions {
  const t = spec.tls;
  const servername = t?.servername ?? (net.isIP(spec.host) === 0 ? spec.host : undefined);
  const o: tls.ConnectionOptions = { host: spec.host, port: spec.port, rejectUnauthorized: false, ALPNProtocols: [...(t?.alpn ?? ['mqtt'])] };
  if (servername !== undefined) o.servername = servername;
  if (t?.ca !== undefined) o.ca = t.ca;
  return o;
}

function chainOf(peer: tls.DetailedPeerCertificate, now: Date): CertificateInfo[] {
  const out: CertificateInfo[] = [];
  const seen = new Set<string>();
  let c: tls.DetailedPeerCertificate | undefined = peer;
  while (c !== undefined && c.raw !== undefined && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(describeCertificate(c.raw, now));
    c = c.issuerCertificate;
  }
  return out;
}

export function handshake(options: tls.ConnectionOptions, timeoutMs: number, now: Date): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const empty: HandshakeResult = { ok: false, errorCode: null, protocol: null, cipher: null, alpn: null, authorized: false, authorizationError: null, chain: [], peer: null, postHandshakeError: null };
    let result: HandshakeResult | undefined;
    let socket: tls.TLSSocket;
    const finish = (r: HandshakeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(result ?? { ...empty, errorCode: 'ETIMEDOUT' }), timeoutMs);
    try {
      socket = tls.connect(options);
    } catch (err) {
      clearTimeout(timer);
      resolve({ ...empty, errorCode: (err as NodeJS.ErrnoException).code ?? 'ERROR' });
      return;
    }
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      result = {
        ok: true,
        errorCode: null,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher()?.name ?? null,
        alpn: socket.alpnProtocol === false || socket.alpnProtocol === undefined ? null : socket.alpnProtocol,
        authorized: socket.authorized,
        authorizationError: socket.authorizationError === null ? null : String(socket.authorizationError),
        chain: peer.raw === undefined ? [] : chainOf(peer, now),
        peer,
        postHandshakeError: null,
      };
      // A server that wants a client certificate says so with an alert after a TLS 1.3 handshake.
      socket.on('data', () => {});
      setTimeout(() => finish(result as HandshakeResult), 300);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (result !== undefined) finish({ ...result, postHandshakeError: err.code ?? 'ERROR' });
      else finish({ ...empty, errorCode: err.code ?? 'ERROR' });
    });
  });
}

export type VersionSupport = 'accepted' | 'refused' | 'could not test';

export async function probeVersion(options: tls.ConnectionOptions, version: tls.SecureVersion, timeoutMs: number, now: Date): Promise<VersionSupport> {
  const legacy = version === 'TLSv1' || version === 'TLSv1.1';
  // Old versions need the local security level lowered just for the probe.
  const opts: tls.ConnectionOptions = { ...options, minVersion: version, maxVersion: version, ...(legacy ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}) };
  const r = await handshake(opts, timeoutMs, now);
  if (r.ok) return 'accepted';
  const code = r.errorCode ?? '';
  if (/NO_PROTOCOLS_AVAILABLE|NO_SUITABLE|UNSUPPORTED_PROTOCOL|NO_CIPHERS/.test(code) && legacy) return 'could not test';
  if (code === 'ETIMEDOUT' || code === 'ECONNREFUSED') return 'could not test';
  return 'refused';
}
