/**
 * ws:// and wss:// : MQTT over WebSocket. The `ws` library is injected (the command edge
 * loads it only when a WebSocket URL is used), and its sockets are made here so the
 * progress records a TCP connection and a TLS handshake only when they really happen.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type * as WsModule from 'ws';
import { bindOptions, describeEndpoint } from '../../protocol/endpoint.js';
import type { ConnectionSpec } from '../../protocol/spec.js';
import { tlsConnectionOptions } from '../../tls/connect-params.js';
import { writeKeylog } from './tls.js';
import type { Progress } from './progress.js';

/** The parts of the `ws` package this transport uses. */
export interface WebSocketLibrary {
  readonly WebSocket: typeof WsModule.WebSocket;
  readonly createWebSocketStream: typeof WsModule.createWebSocketStream;
}

export function openWebSocket(lib: WebSocketLibrary, spec: ConnectionSpec, progress: Progress): Duplex {
  const secure = spec.tls !== undefined;
  const createConnection = (options: net.NetConnectOpts & tls.ConnectionOptions): net.Socket => {
    const socket = secure
      ? tls.connect({ ...options, ...tlsConnectionOptions(spec) })
      : net.connect({ ...options, ...bindOptions(spec) });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      progress.tcpConnected = true;
    });
    if (secure) {
      writeKeylog(socket as tls.TLSSocket, spec);
      socket.once('secureConnect', () => {
        progress.tlsEstablished = true;
      });
    }
    return socket;
  };
  // MQTT over WebSocket uses the "mqtt" subprotocol [MQTT-6.0.0-3]; 3.1 brokers expect "mqttv3.1".
  const socket = new lib.WebSocket(describeEndpoint(spec), [spec.protocolVersion === 3 ? 'mqttv3.1' : 'mqtt'], {
    createConnection: createConnection as never,
  });
  const stream = lib.createWebSocketStream(socket);
  // When the WebSocket closes (a reset included: ws reports socket errors as close code 1006),
  // the stream only ends its readable side; MQTT.js waits for 'close'. Close it once every
  // byte that arrived has been read, as a TCP socket does.
  stream.once('end', () => stream.destroy());
  return stream;
}
