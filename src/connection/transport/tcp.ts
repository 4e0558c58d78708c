/** mqtt:// : a plain TCP socket (or --unix: a Unix domain socket), Nagle off, writes coalesced per millisecond. */
import net from 'node:net';
import { bindOptions } from '../../protocol/endpoint.js';
import type { ConnectionSpec } from '../../protocol/spec.js';
import { coalesceWrites } from './coalesce-writes.js';
import type { Progress } from './progress.js';

export function openTcp(spec: ConnectionSpec, progress: Progress): net.Socket {
  const socket = coalesceWrites(
    spec.unixPath !== undefined
      ? net.connect({ path: spec.unixPath })
      : net.connect({ host: spec.host, port: spec.port, ...bindOptions(spec) }),
  );
  socket.setNoDelay(true);
  socket.once('connect', () => {
    progress.tcpConnected = true;
  });
  return socket;
}
