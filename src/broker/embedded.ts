/**
 * The embedded broker: aedes 2.0.0-beta.1 on a loopback port. It speaks MQTT 5 as well as 3.1.1
 * and 3.1, so --embedded needs no version switch; what it lacks (no shared subscriptions) and why
 * this beta and not the 3.1.1-only 1.2.0 are in the dependency notes of docs/development.md.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { NetworkError } from '../errors.js';

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

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
      // aedes keeps a heartbeat timer: close it, or the process lives on after the error.
      broker.close();
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => broker.close(() => resolve()));
      }),
  };
}
