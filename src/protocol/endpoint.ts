/** Where a spec connects: as written in messages and --json output (never with credentials), and as sockets bind. */
import type { ConnectionSpec } from './spec.js';

/** A host as a URL writes it: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** "mqtts://host:8883" without credentials: safe to print and to put in --json output. */
export function describeEndpoint(spec: Pick<ConnectionSpec, 'transport' | 'host' | 'port' | 'path'> & { readonly unixPath?: string | undefined }): string {
  if (spec.unixPath !== undefined) return `unix:${spec.unixPath}`;
  const path = spec.transport === 'ws' || spec.transport === 'wss' ? spec.path : '';
  return `${spec.transport}://${urlHost(spec.host)}:${spec.port}${path}`;
}

/** -A as net.connect takes it: every outgoing socket (TCP, TLS, WebSocket, the proxy's) binds the same way. */
export function bindOptions(spec: Pick<ConnectionSpec, 'bindAddress'>): { localAddress?: string } {
  return spec.bindAddress === undefined ? {} : { localAddress: spec.bindAddress };
}
