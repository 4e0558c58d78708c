/** Loads the WebSocket library for the connection layer, only when the spec asks for ws:// or wss://. */
import type { ConnectionSpec } from '../connection/options.js';
import type { WebSocketLibrary } from '../connection/transport/ws.js';
import { loadBundle } from '../lazy.js';

export function loadWebSocketLibrary(spec: Pick<ConnectionSpec, 'transport'>): WebSocketLibrary | undefined {
  return spec.transport === 'ws' || spec.transport === 'wss' ? loadBundle<typeof import('./ws-library.js')>('transport-ws') : undefined;
}
