/** Loads the WebSocket library and the SOCKS5 tunnel for the connection layer, each only when the spec asks for it. */
import type { ConnectionSpec } from '../connection/options.js';
import type { WebSocketLibrary } from '../connection/transport/ws.js';
import type { SocksTransport } from '../connection/transport/index.js';
import { loadBundle } from '../lazy.js';

export function loadWebSocketLibrary(spec: Pick<ConnectionSpec, 'transport'>): WebSocketLibrary | undefined {
  return spec.transport === 'ws' || spec.transport === 'wss' ? loadBundle<typeof import('./ws-library.js')>('transport-ws') : undefined;
}

export function loadSocksTransport(spec: Pick<ConnectionSpec, 'proxy'>): SocksTransport | undefined {
  return spec.proxy === undefined ? undefined : loadBundle<typeof import('../connection/transport/socks.js')>('transport-socks').openThroughProxy;
}
