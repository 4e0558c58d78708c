/** The one rule for SNI and the node:tls options every TLS connection and probe starts from. */
import net from 'node:net';
import type tls from 'node:tls';
import { bindOptions } from '../protocol/endpoint.js';
import type { ConnectionSpec } from '../protocol/spec.js';

/**
 * The name sent as SNI and checked against the certificate: --servername, else the host
 * unless it is an IP address (SNI carries host names only, RFC 6066 §3). Without SNI,
 * node:tls checks the certificate against the IP address itself.
 */
export function serverName(spec: Pick<ConnectionSpec, 'host' | 'tls'>): string | undefined {
  return spec.tls?.servername ?? (net.isIP(spec.host) === 0 ? spec.host : undefined);
}

/** The name the certificate must cover, for messages. */
export function nameToVerify(spec: Pick<ConnectionSpec, 'host' | 'tls'>): string {
  return serverName(spec) ?? spec.host;
}

/**
 * Options for a connection that verifies as the spec says. node:tls checks the host name
 * against `servername` when one is set, so --servername needs no checkServerIdentity of ours.
 */
export function tlsConnectionOptions(spec: ConnectionSpec): tls.ConnectionOptions & { localAddress?: string } {
  const t = spec.tls;
  // tls.connect passes socket options such as localAddress on to net.connect.
  const opts: tls.ConnectionOptions & { localAddress?: string } = { host: spec.host, port: spec.port, rejectUnauthorized: t?.rejectUnauthorized ?? true };
  Object.assign(opts, bindOptions(spec));
  const servername = serverName(spec);
  if (servername !== undefined) opts.servername = servername;
  if (t === undefined) return opts;
  if (t.ca !== undefined) opts.ca = t.ca;
  if (t.cert !== undefined) opts.cert = t.cert;
  if (t.key !== undefined) opts.key = t.key;
  if (t.minVersion !== undefined) opts.minVersion = t.minVersion;
  if (t.maxVersion !== undefined) opts.maxVersion = t.maxVersion;
  if (t.alpn !== undefined) opts.ALPNProtocols = [...t.alpn];
  if (t.ciphers !== undefined) opts.ciphers = t.ciphers;
  if (t.passphrase !== undefined) opts.passphrase = t.passphrase;
  const psk = t.psk;
  if (psk !== undefined) {
    opts.pskCallback = () => ({ psk: psk.key, identity: psk.identity });
    // No certificate to check under PSK: the shared key authenticates the broker.
    opts.checkServerIdentity = () => undefined;
  }
  return opts;
}
