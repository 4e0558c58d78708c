/** mqtt:// : a plain TCP socket, Nagle off, writes coalesced per millisecond. */
import net from 'node:net';
import type { ConnectionSpec } from '../options.js';
import { coalesceWrites } from './coalesce-writes.js';
import type { Progress } from './progress.js';

export function openTcp(spec: ConnectionSpec, progress: Progress): net.Socket {
  const socket = coalesceWrites(net.connect({ host: spec.host, port: spec.port }));
  socket.setNoDelay(true);
  socket.once('connect', () => {
    progress.tcpConnected = true;
  });
  return socket;
}
