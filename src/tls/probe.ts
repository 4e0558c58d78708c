/**
 * The one TLS probe, for diagnose and tls-check: a handshake that reports what it saw
 * (version, cipher, ALPN, chain, verification result, a client-certificate alert) instead
 * of enforcing it. node:tls still verifies with rejectUnauthorized false, host name
 * included, and reports the outcome in `authorized` / `authorizationError`. Every wait is bounded.
 */
import tls from 'node:tls';
import type { ConnectionSpec } from '../protocol/spec.js';
import { describeCertificate, type CertificateInfo } from './certificate.js';
import { tlsConnectionOptions } from './connect-params.js';
import { isNotTlsCode } from './verify-errors.js';

export interface HandshakeResult {
  readonly ok: boolean;
  readonly ms: number;
  /** Why the handshake failed (a node:tls, OpenSSL or socket code); null when it succeeded. */
  readonly errorCode: string | null;
  /** The peer answered, but not in TLS (a plain listener). */
  readonly notTls: boolean;
  readonly protocol: string | null;
  readonly cipher: string | null;
  readonly alpn: string | null;
  readonly authorized: boolean;
  /** The verification failure, host-name mismatch (ERR_TLS_CERT_ALTNAME_INVALID) included. */
  readonly authorizationError: string | null;
  /** As presented by the server, leaf first. */
  readonly chain: CertificateInfo[];
  /** An alert that arrived right after the handshake (TLS 1.3 reports a missing client certificate this way). */
  readonly postHandshakeError: string | null;
}

/** The spec's TLS options for a probe: verification reported, not enforced; optionally to one resolved address. */
export function probeOptions(spec: ConnectionSpec, overrides: { address?: string; alpnDefault?: readonly string[] } = {}): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { ...tlsConnectionOptions(spec), rejectUnauthorized: false };
  if (overrides.address !== undefined) o.host = overrides.address;
  if (o.ALPNProtocols === undefined && overrides.alpnDefault !== undefined) o.ALPNProtocols = [...overrides.alpnDefault];
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

export interface HandshakeOptions {
  readonly timeoutMs: number;
  readonly now: Date;
  /** How long to listen after the handshake for a client-certificate alert; 0 to skip. */
  readonly alertWaitMs: number;
}

export function handshake(options: tls.ConnectionOptions, o: HandshakeOptions): Promise<HandshakeResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const failed = (code: string): HandshakeResult => ({
      ok: false,
      ms: performance.now() - t0,
      errorCode: code,
      notTls: isNotTlsCode(code),
      protocol: null,
      cipher: null,
      alpn: null,
      authorized: false,
      authorizationError: null,
      chain: [],
      postHandshakeError: null,
    });
    let result: HandshakeResult | undefined;
    let socket: tls.TLSSocket;
    const finish = (r: HandshakeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(result ?? failed('ETIMEDOUT')), o.timeoutMs);
    try {
      socket = tls.connect(options);
    } catch (err) {
      clearTimeout(timer);
      resolve(failed((err as NodeJS.ErrnoException).code ?? 'ERROR'));
      return;
    }
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      result = {
        ok: true,
        ms: performance.now() - t0,
        errorCode: null,
        notTls: false,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher()?.name ?? null,
        alpn: socket.alpnProtocol === false || socket.alpnProtocol === undefined ? null : socket.alpnProtocol,
        authorized: socket.authorized,
        authorizationError: socket.authorizationError === null ? null : String(socket.authorizationError),
        chain: peer.raw === undefined ? [] : chainOf(peer, o.now),
        postHandshakeError: null,
      };
      if (o.alertWaitMs === 0) {
        finish(result);
        return;
      }
      socket.on('data', () => {});
      setTimeout(() => finish(result as HandshakeResult), o.alertWaitMs);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (result !== undefined) finish({ ...result, postHandshakeError: err.code ?? 'ERROR' });
      else finish(failed(err.code ?? 'ERROR'));
    });
  });
}

export type VersionSupport = 'accepted' | 'refused' | 'could not test';

export async function probeVersion(options: tls.ConnectionOptions, version: tls.SecureVersion, timeoutMs: number, now: Date): Promise<VersionSupport> {
  const legacy = version === 'TLSv1' || version === 'TLSv1.1';
  // Old versions need the local security level lowered just for the probe.
  const opts: tls.ConnectionOptions = { ...options, minVersion: version, maxVersion: version, ...(legacy ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}) };
  const r = await handshake(opts, { timeoutMs, now, alertWaitMs: 0 });
  if (r.ok) return 'accepted';
  const code = r.errorCode ?? '';
  if (/NO_PROTOCOLS_AVAILABLE|NO_SUITABLE|UNSUPPORTED_PROTOCOL|NO_CIPHERS/.test(code) && legacy) return 'could not test';
  if (code === 'ETIMEDOUT' || code === 'ECONNREFUSED') return 'could not test';
  return 'refused';
}
