/**
 * Low-level probes for diagnose: DNS and TCP per address, and a bounded wait for a message. The TLS handshake probe is
 * src/tls/probe.ts, the raw CONNECT probe src/connection/connect-probe.ts. Every wait is bounded.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import type { IPublishPacket, MqttClient } from 'mqtt';

export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(onTimeout()), ms)))]).finally(() => clearTimeout(timer));
}

export type DnsResult = { ok: true; addresses: Array<{ address: string; family: number }> } | { ok: false; code: string };

export async function resolveHost(host: string, timeoutMs: number): Promise<DnsResult> {
  if (net.isIP(host) !== 0) return { ok: true, addresses: [{ address: host, family: net.isIP(host) }] };
  return withTimeout(
    dns.lookup(host, { all: true }).then(
      (addresses): DnsResult => ({ ok: true, addresses }),
      (err: NodeJS.ErrnoException): DnsResult => ({ ok: false, code: err.code ?? 'ERROR' }),
    ),
    timeoutMs,
    (): DnsResult => ({ ok: false, code: 'ETIMEOUT' }),
  );
}

export type TcpResult = { address: string; ok: true; ms: number } | { address: string; ok: false; code: string; ms: number };

export function tcpConnect(address: string, port: number, timeoutMs: number): Promise<TcpResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (r: TcpResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ address, ok: false, code: 'ETIMEDOUT', ms: performance.now() - t0 }), timeoutMs);
    socket.once('connect', () => done({ address, ok: true, ms: performance.now() - t0 }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ address, ok: false, code: err.code ?? 'ERROR', ms: performance.now() - t0 }));
  });
}

/** The first message `match` accepts within `ms`, else undefined; the listener is removed either way. */
export function waitFor(client: MqttClient, match: (p: IPublishPacket) => boolean, ms: number): Promise<IPublishPacket | undefined> {
  let onMessage: ((t: string, p: Buffer, packet: IPublishPacket) => void) | undefined;
  return withTimeout(
    new Promise<IPublishPacket | undefined>((resolve) => {
      onMessage = (_t, _p, packet): void => {
        if (match(packet)) resolve(packet);
      };
      client.on('message', onMessage);
    }),
    ms,
    () => undefined,
  ).finally(() => {
    if (onMessage !== undefined) client.removeListener('message', onMessage);
  });
}
