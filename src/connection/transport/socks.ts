/**
 * --proxy socks5h://[user:pass@]host:port: MQTT (or TLS) through a SOCKS5 proxy, the broker's name
 * resolved by the proxy (RFC 1928; user and password by RFC 1929). The `socks` library speaks the
 * proxy protocol on a socket of ours; MQTT.js needs its stream at once, so the tunnel is a Duplex
 * that holds what is written until the proxy has connected, then passes bytes both ways.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
import { SocksClient } from 'socks';
import { bindOptions } from '../../protocol/endpoint.js';
import type { ConnectionSpec, ProxySpec } from '../../protocol/spec.js';
import { ProxyError } from './proxy-error.js';
import type { Progress } from './progress.js';

class Tunnel extends Duplex {
  private socket: net.Socket | undefined;
  private pending: Array<{ chunk: Buffer; done: (err?: Error | null) => void }> = [];

  constructor(ready: Promise<net.Socket>) {
    super();
    ready.then(
      (socket) => {
        this.socket = socket;
        socket.on('data', (d: Buffer) => {
          if (!this.push(d)) socket.pause();
        });
        socket.once('end', () => this.push(null));
        socket.once('error', (err) => this.destroy(err));
        socket.once('close', () => this.destroy());
        for (const p of this.pending) socket.write(p.chunk, p.done);
        this.pending = [];
        this.emit('connect');
      },
      (err: Error) => this.destroy(err),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.socket === undefined) this.pending.push({ chunk, done });
    else this.socket.write(chunk, done);
  }

  override _read(): void {
    this.socket?.resume();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket?.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket?.destroy();
    for (const p of this.pending) p.done(err ?? new Error('the connection closed'));
    this.pending = [];
    done(err);
  }

  setNoDelay(): this {
    this.socket?.setNoDelay(true);
    return this;
  }
}

/** A stream to the broker through the proxy; TLS, if any, goes on top of it (tls.ts). */
export function openThroughProxy(spec: ConnectionSpec, proxy: ProxySpec, progress: Progress): Duplex {
  const socket = net.connect({ host: proxy.host, port: proxy.port, ...bindOptions(spec) });
  socket.setNoDelay(true);
  const ready = new Promise<net.Socket>((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new ProxyError(err.message, proxy, err.code)));
    socket.once('connect', () => {
      SocksClient.createConnection({
        proxy: { host: proxy.host, port: proxy.port, type: 5, ...(proxy.username === undefined ? {} : { userId: proxy.username, password: proxy.password ?? '' }) },
        command: 'connect',
        destination: { host: spec.host, port: spec.port },
        existing_socket: socket,
        timeout: spec.connectTimeoutMs,
      }).then(
        (info) => {
          progress.tcpConnected = true;
          resolve(info.socket);
        },
        (err: Error) => {
          socket.destroy();
          reject(new ProxyError(err.message, proxy, 'ESOCKS'));
        },
      );
    });
  });
  return new Tunnel(ready);
}
