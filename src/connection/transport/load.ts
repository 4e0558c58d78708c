/**
 * Loads the WebSocket library and the SOCKS5 tunnel, each only when the spec asks for it: they
 * are bundles of their own (scripts/build.mjs), so other runs never parse them. The loaded
 * factories are then handed to connect().
 */
import type { ConnectionSpec } from '../../protocol/spec.js';
import type { SocksTransport } from './index.js';
import type { WebSocketLibrary } from './ws.js';
import { loadBundle } from '../../lazy.js';

export type { SocksTransport, WebSocketLibrary };

export function loadWebSocketLibrary(spec: Pick<ConnectionSpec, 'transport'>): WebSocketLibrary | undefined {
  return spec.transport === 'ws' || spec.transport === 'wss' ? loadBundle<typeof import('./ws-library.js')>('transport-ws') : undefined;
}

export function loadSocksTransport(spec: Pick<ConnectionSpec, 'proxy'>): SocksTransport | undefined {
  return spec.proxy === undefined ? undefined : loadBundle<typeof import('./socks.js')>('transport-socks').openThroughProxy;
}
