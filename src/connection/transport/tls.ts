/** mqtts:// : TLS over TCP, verified as the spec says, writes coalesced per millisecond. */
import tls from 'node:tls';
import type { ConnectionSpec } from '../options.js';
import { tlsConnectionOptions } from '../../tls/options.js';
import { coalesceWrites } from './coalesce-writes.js';
import type { Progress } from './progress.js';

export function openTls(spec: ConnectionSpec, progress: Progress): tls.TLSSocket {
  const socket = coalesceWrites(tls.connect(tlsConnectionOptions(spec)));
  socket.once('connect', () => {
    progress.tcpConnected = true;
  });
  socket.once('secureConnect', () => {
    progress.tlsEstablished = true;
  });
  return socket;
}
