/**
 * The embedded broker: aedes 1.2.0, the stable release. It speaks MQTT 3.1 and
 * 3.1.1 only (an MQTT 5 CONNECT gets "unacceptable protocol version"), so callers
 * that use it pick 3.1.1 by themselves and say so.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { NetworkError } from '../errors.js';

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  /** Counts for the `broker` command's status line. */
  clients(): number;
  close(): Promise<void>;
}

export const EMBEDDED_PROTOCOL_VERSION = 4;

export async function startEmbeddedBroker(options: { host?: string; port?: number } = {}): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker({ concurrency: 1000 });
  // A client's bad bytes (a TLS hello, an HTTP request) end that client, never the broker.
  broker.on('clientError', () => {});
  broker.on('connectionError', () => {});
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new NetworkError(`embedded broker cannot listen on ${host}:${options.port ?? 0}: ${err.code ?? err.message}`, {
          hint: err.code === 'EADDRINUSE' ? 'Another process uses that port: pick another with -p.' : undefined,
        }),
      );
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    host,
    port: address.port,
    clients: () => broker.connectedClients,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => broker.close(() => resolve()));
      }),
  };
}
