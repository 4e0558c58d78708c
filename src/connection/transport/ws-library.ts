/** The `ws` library as the WebSocket transport needs it; its own bundle (dist/transport-ws.cjs), loaded only for ws:// and wss://. */
export { WebSocket, createWebSocketStream } from 'ws';
