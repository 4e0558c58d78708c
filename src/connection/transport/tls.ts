/** mqtts:// : TLS over TCP, verified as the spec says, writes coalesced per millisecond. */
import { appendFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ConnectionSpec } from '../../protocol/spec.js';
import { tlsConnectionOptions } from '../../tls/connect-params.js';
import { coalesceWrites } from './coalesce-writes.js';
import type { Progress } from './progress.js';

/** `through`: a stream to the broker to run TLS over (the --proxy tunnel) instead of a TCP connection of its own. */
export function openTls(spec: ConnectionSpec, progress: Progress, through?: Duplex): tls.TLSSocket {
  const socket = coalesceWrites(tls.connect(through === undefined ? tlsConnectionOptions(spec) : { ...tlsConnectionOptions(spec), socket: through }));
  socket.once('connect', () => {
    progress.tcpConnected = true;
  });
  socket.once('secureConnect', () => {
    progress.tlsEstablished = true;
  });
  writeKeylog(socket, spec);
  return socket;
}

/** --tls-keylog: the session secrets in NSS key log format, for Wireshark (setup checked the file is writable). */
export function writeKeylog(socket: tls.TLSSocket, spec: ConnectionSpec): void {
  const file = spec.tls?.keylogFile;
  if (file !== undefined) socket.on('keylog', (line: Buffer) => appendFileSync(file, line, { mode: 0o600 }));
}
