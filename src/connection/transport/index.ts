/** One transport per URL scheme; picks the one the spec names. */
import type { Duplex } from 'node:stream';
import { UsageError } from '../../errors.js';
import type { ConnectionSpec } from '../../protocol/spec.js';
import type { Progress } from './progress.js';
import { openTcp } from './tcp.js';
import { coalesceWrites } from './coalesce-writes.js';
import type { openThroughProxy } from './socks.js';

/** socks.ts's opener, injected (setup loads it only for --proxy, so the socks library is not parsed otherwise). */
export type SocksTransport = typeof openThroughProxy;
import { openTls } from './tls.js';
import { openWebSocket, type WebSocketLibrary } from './ws.js';

export function openTransport(spec: ConnectionSpec, progress: Progress, webSocket: WebSocketLibrary | undefined, socks: SocksTransport | undefined): Duplex {
  if (spec.transport === 'ws' || spec.transport === 'wss') {
    if (webSocket === undefined) throw new UsageError(`${spec.transport}:// is not available in this command`);
    return openWebSocket(webSocket, spec, progress);
  }
  if (spec.proxy !== undefined) {
    if (socks === undefined) throw new UsageError('--proxy is not available in this command');
    const tunnel = socks(spec, spec.proxy, progress);
    return spec.tls === undefined ? coalesceWrites(tunnel) : openTls(spec, progress, tunnel);
  }
  // TLS flags on an mqtt:// URL mean TLS too (setup/build-spec.ts sets spec.tls then).
  return spec.tls === undefined ? openTcp(spec, progress) : openTls(spec, progress);
}
