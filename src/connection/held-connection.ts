/**
 * A connection that only holds its place at the broker, for connection storms (`bench
 * --connections`): CONNECT, the CONNACK, a PINGREQ within every keep alive, DISCONNECT at the end.
 * It costs a socket and a few fields, not a client object: fifteen thousand of them fit where a
 * few thousand full clients did. Plain TCP and Unix sockets only (TLS, WebSocket and SOCKS take
 * the full client). Every packet it sends is one MQTT allows; whatever it reads after the CONNACK
 * is checked (PINGRESP, or a server's DISCONNECT) and anything else ends it as a protocol error.
 * Failures are worded by explain.ts, as the full client's are.
 */
import net from 'node:net';
import mqttPacket, { type IConnackPacket, type IDisconnectPacket } from 'mqtt-packet';
import type { ConnectionSpec } from '../protocol/spec.js';
import { bindOptions } from '../protocol/endpoint.js';
import type { CliError } from '../errors.js';
import { explainClosedBeforeConnack, explainNoConnack, explainNoPingresp, explainProtocolViolation, explainRefusal, explainServerDisconnect, explainStreamError } from './explain.js';
import { toMqttOptions } from './mqttjs-options.js';
import { PINGREQ } from './packet-encoder.js';
import { freshProgress } from './transport/progress.js';

const DISCONNECT = Buffer.from([0xe0, 0x00]);
const PINGRESP_TYPE = 13;
const DISCONNECT_TYPE = 14;

/** Whether a connection can be held this way, or needs the full client. */
export const canHold = (spec: ConnectionSpec): boolean => spec.transport === 'mqtt' && spec.tls === undefined && spec.proxy === undefined;

export interface HeldConnection {
  /** Resolves when the connection ends: undefined after close(), else why the broker or the network ended it. */
  readonly ended: Promise<CliError | undefined>;
  /** Sends DISCONNECT and closes. */
  close(): Promise<void>;
}

/** One complete packet at the start of `buf`: its type and total length, or undefined while more bytes are due. */
export function frameAt(buf: Buffer): { type: number; length: number } | undefined {
  let remaining = 0;
  let multiplier = 1;
  for (let i = 1; i < Math.min(buf.length, 5); i++) {
    const byte = buf[i] as number;
    remaining += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return buf.length >= i + 1 + remaining ? { type: (buf[0] as number) >> 4, length: i + 1 + remaining } : undefined;
    multiplier *= 128;
  }
  return undefined;
}

function parseOne<T>(bytes: Buffer, version: number): T | undefined {
  const parser = mqttPacket.parser({ protocolVersion: version });
  let packet: T | undefined;
  parser.on('packet', (p) => (packet = p as T));
  parser.on('error', () => undefined);
  parser.parse(bytes);
  return packet;
}

/**
 * Connects and waits for the CONNACK (bounded by --connect-timeout). Resolves once the broker
 * accepted; rejects with the explained refusal or failure. Keep-alive: `tick()` of the returned
 * pinger is called by the owner (one timer for all held connections).
 */
export function holdConnection(spec: ConnectionSpec): Promise<HeldConnection & { tick(now: number): void }> {
  const progress = freshProgress();
  const socket = spec.unixPath !== undefined ? net.connect({ path: spec.unixPath }) : net.connect({ host: spec.host, port: spec.port, ...bindOptions(spec) });
  socket.setNoDelay(true);
  const keepaliveMs = spec.keepaliveSeconds * 1000;
  let pending: Buffer = Buffer.alloc(0);
  let accepted = false;
  let closing = false;
  let lastSent = Date.now();
  let pingSentAt: number | undefined;
  let endWith: (why: CliError | undefined) => void = () => {};
  const ended = new Promise<CliError | undefined>((resolve) => (endWith = resolve));
  const send = (bytes: Buffer): void => {
    lastSent = Date.now();
    socket.write(bytes);
  };

  return new Promise((resolve, reject) => {
    const fail = (err: CliError): void => {
      clearTimeout(timer);
      socket.destroy();
      if (accepted) endWith(err);
      else reject(err);
    };
    const timer = setTimeout(() => fail(explainNoConnack(spec, progress)), spec.connectTimeoutMs);
    socket.once('connect', () => {
      progress.tcpConnected = true;
      send(mqttPacket.generate({ cmd: 'connect', ...toMqttOptions(spec) } as mqttPacket.IConnectPacket));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => fail(explainStreamError(err, spec, progress)));
    socket.on('close', () => {
      clearTimeout(timer);
      if (!accepted) reject(explainClosedBeforeConnack(spec, progress));
      else endWith(closing ? undefined : explainStreamError(Object.assign(new Error('the broker closed the connection'), { code: 'ECONNRESET' }), spec, progress));
    });
    socket.on('data', (chunk: Buffer) => {
      progress.firstBytes ??= chunk.subarray(0, 64);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (let frame = frameAt(pending); frame !== undefined; frame = frameAt(pending)) {
        const bytes = pending.subarray(0, frame.length);
        pending = pending.subarray(frame.length);
        if (!accepted) {
          const connack = frame.type === 2 ? parseOne<IConnackPacket>(bytes, spec.protocolVersion) : undefined;
          if (connack === undefined) return fail(explainProtocolViolation(spec, `a packet of type ${frame.type} instead of CONNACK`));
          const code = spec.protocolVersion === 5 ? (connack.reasonCode ?? 0) : (connack.returnCode ?? 0);
          if (code !== 0) return fail(explainRefusal(spec, connack));
          accepted = true;
          progress.mqttAccepted = true;
          clearTimeout(timer);
          resolve({ ended, close, tick });
        } else if (frame.type === PINGRESP_TYPE && frame.length === 2) {
          pingSentAt = undefined;
        } else if (frame.type === DISCONNECT_TYPE && spec.protocolVersion === 5) {
          const packet = parseOne<IDisconnectPacket>(bytes, 5) ?? ({ cmd: 'disconnect', reasonCode: 0 } as IDisconnectPacket);
          return fail(explainServerDisconnect(spec, packet));
        } else {
          return fail(explainProtocolViolation(spec, `an unexpected packet of type ${frame.type} on a connection that only holds`));
        }
      }
    });
  });

  /** Keep alive: a PINGREQ when nothing was sent for three quarters of it; no PINGRESP within it ends the connection. */
  function tick(now: number): void {
    if (!accepted || closing || keepaliveMs === 0) return;
    if (pingSentAt !== undefined && now - pingSentAt > keepaliveMs) {
      socket.destroy();
      endWith(explainNoPingresp(spec));
      return;
    }
    if (pingSentAt === undefined && now - lastSent >= keepaliveMs * 0.75) {
      pingSentAt = now;
      send(PINGREQ);
    }
  }

  function close(): Promise<void> {
    closing = true;
    if (socket.destroyed) return Promise.resolve();
    return new Promise((done) => {
      socket.once('close', () => done());
      socket.end(DISCONNECT);
      setTimeout(() => socket.destroy(), 2_000).unref();
    });
  }
}
