/**
 * connect(spec) -> Session once CONNACK says yes; typed errors otherwise.
 * Prints nothing: events go to the caller's `notice` callback.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import clientModule from 'mqtt/lib/client';
import type { IClientOptions, IConnackPacket, IPublishPacket, MqttClient, Packet } from 'mqtt';
import { writeToStream } from 'mqtt-packet';
import { ConnackError, type CliError, NetworkError, TimeoutError, TlsError, RejectedError } from '../errors.js';
import { describeEndpoint, toMqttOptions, type ConnectionSpec } from './options.js';
import { decodeConnack, decodeReason, formatCode, isTransientConnackRefusal, isTransientDisconnect } from './reason-codes.js';
import { describePacket } from './packet-log.js';
import { loadBundle } from '../lazy.js';
import { installAckTap, type AckTap } from './ack-tap.js';
import { WRITE_COALESCE_MS } from './fast-publisher.js';

// The bundle (Node's CommonJS interop) sees module.exports here; vitest's interop already gives its `default`.
const MqttClientClass = ((clientModule as { default?: typeof clientModule.default }).default ?? clientModule) as typeof clientModule.default;

// mqtt-packet otherwise builds a 65,536-entry buffer cache on the first write: ~40 ms of start-up.
writeToStream.cacheNumbers = false;


export interface Session {
  readonly client: MqttClient;
  readonly connack: IConnackPacket;
  readonly spec: ConnectionSpec;
  /** Resolves when the session ends for good: after close() or when reconnection gives up. */
  readonly ended: Promise<CliError | undefined>;
  /** Clean DISCONNECT (no will), then release the socket. */
  close(): Promise<void>;
}

export type Notice = (line: string) => void;

export interface ConnectOptions {
  readonly notice: Notice;
  /** Prints --debug protocol lines; defaults to notice. */
  readonly debugLog?: Notice;
  /**
   * Installed before CONNECT is sent: a resumed session may deliver queued
   * messages right behind the CONNACK, before connect() resolves.
   */
  readonly handleMessage?: (client: MqttClient, packet: IPublishPacket, done: (err?: Error) => void) => void;
  /** For publishers: acks go straight to the publish hot path (off with --debug, which logs every packet). */
  readonly ackTap?: AckTap;
}

/** Translate a socket/TLS error into the class the exit-code table names. */
/** How far a connection attempt got: TCP connected, then (for TLS) handshake done, then CONNACK accepted. */
export interface Progress {
  tcpConnected: boolean;
  tlsEstablished: boolean;
  mqttAccepted: boolean;
}

export function classifyStreamError(err: NodeJS.ErrnoException, spec: ConnectionSpec, progress: Progress): CliError {
  const tcpConnected = progress.tcpConnected;
  const where = describeEndpoint(spec);
  const code = err.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return new NetworkError(`cannot connect to ${spec.host}:${spec.port}: connection refused (nothing is listening there)`, {
        hint: 'Is the broker running, and is the port right? mqtt:// defaults to 1883, mqtts:// to 8883.',
        cause: err,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new NetworkError(`could not resolve host name '${spec.host}'`, {
        hint: 'Check the spelling of -h/-L and your DNS settings.',
        cause: err,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new NetworkError(`cannot reach ${spec.host}:${spec.port}: ${code === 'EHOSTUNREACH' ? 'host' : 'network'} unreachable`, {
        hint: 'Check the address and your routes or VPN.',
        cause: err,
      });
    case 'ECONNRESET':
    case 'EPIPE':
      if (spec.tls !== undefined && tcpConnected && !progress.tlsEstablished) {
        return new TlsError(`TLS: ${describeEndpoint(spec)} dropped the connection during the TLS handshake: the server is probably not speaking TLS on this port`, {
          hint: 'Use mqtt:// (plain) for this port, or the TLS port (usually 8883).',
          cause: err,
        });
      }
      if (progress.mqttAccepted) {
        return new NetworkError(`${where} dropped the connection`, {
          hint: 'Brokers drop a client over a packet above their size limit, a denied operation or a protocol error; check the broker log.',
          cause: err,
        });
      }
      return new NetworkError(`connection to ${where} was reset by the peer`, {
        hint: tcpConnected && spec.tls === undefined
          ? 'If this port expects TLS, use mqtts:// or --cafile.'
          : 'The broker or something in between dropped the connection; check the broker logs.',
        cause: err,
      });
  }
  const wsStatus = /Unexpected server response: (\d+)/.exec(err.message);
  if (wsStatus !== null) {
    return new NetworkError(`${where}: the WebSocket upgrade was refused with HTTP ${wsStatus[1]}`, {
      hint: `Check the path (brokers use /mqtt, /ws or /; this one was ${spec.path}) and that the port serves MQTT over WebSocket.`,
      cause: err,
    });
  }
  const tlsProblem = describeTlsError(err, spec);
  if (tlsProblem !== undefined) return tlsProblem;
  return new NetworkError(`connection to ${where} failed: ${err.message}`, { cause: err });
}

function describeTlsError(err: NodeJS.ErrnoException, spec: ConnectionSpec): TlsError | undefined {
  const code = err.code ?? '';
  const certHint = 'Pass the CA that signed the broker certificate with --cafile (or --insecure to skip verification, for testing only).';
  const known: Record<string, [string, string]> = {
    DEPTH_ZERO_SELF_SIGNED_CERT: ['the broker certificate is self-signed and not trusted', certHint],
    SELF_SIGNED_CERT_IN_CHAIN: ['the broker certificate chain ends in a self-signed CA that is not trusted', certHint],
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: ['the broker certificate was signed by an unknown CA, or the chain is incomplete', certHint],
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ['the broker certificate was signed by an unknown CA', certHint],
    UNABLE_TO_GET_ISSUER_CERT: ['the issuer of the broker certificate is unknown (incomplete chain?)', certHint],
    CERT_HAS_EXPIRED: ['the broker certificate has expired', 'Renew the broker certificate; run `mqtt-tool tls-check` for the dates.'],
    CERT_NOT_YET_VALID: ['the broker certificate is not valid yet', "Check the broker certificate dates and this machine's clock."],
    ERR_TLS_CERT_ALTNAME_INVALID: [
      `the broker certificate does not cover the name '${spec.tls?.servername ?? spec.host}'`,
      'Connect with a name the certificate lists (see `mqtt-tool tls-check`), or set --servername.',
    ],
    ERR_SSL_WRONG_VERSION_NUMBER: [
      'the server is not speaking TLS on this port (wrong version number)',
      'Use mqtt:// (plain) for this port, or the TLS port (usually 8883).',
    ],
    ERR_SSL_PACKET_LENGTH_TOO_LONG: [
      'the server is not speaking TLS on this port',
      'Use mqtt:// (plain) for this port, or the TLS port (usually 8883).',
    ],
    ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: [
      'the broker requires a client certificate',
      'Pass --cert and --key.',
    ],
    ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: [
      'the TLS handshake failed (no common cipher or version, or a client certificate is required)',
      'Try another --tls-version, or pass --cert and --key.',
    ],
    ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: [
      'the broker does not accept this TLS version',
      'Try --tls-version tlsv1.2 or tlsv1.3.',
    ],
    ERR_SSL_UNSUPPORTED_PROTOCOL: ['the TLS version is not supported', 'Try --tls-version tlsv1.2 or tlsv1.3.'],
    ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: [
      'the broker does not trust our client certificate (unknown CA)',
      'Use a client certificate signed by a CA the broker trusts.',
    ],
    ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: [
      'the broker rejected our client certificate',
      'Use a client certificate the broker accepts.',
    ],
  };
  const row = known[code];
  if (row !== undefined) return new TlsError(`TLS: ${row[0]} (${code})`, { hint: row[1], cause: err });
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /certificate/i.test(err.message)) {
    return new TlsError(`TLS: ${err.message}${code === '' ? '' : ` (${code})`}`, { cause: err });
  }
  return undefined;
}

export function connackError(spec: ConnectionSpec, packet: IConnackPacket): ConnackError {
  const code = (spec.protocolVersion === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
  const info = decodeConnack(spec.protocolVersion, code);
  const extras: string[] = [];
  const reasonString = packet.properties?.reasonString;
  if (reasonString !== undefined) extras.push(`broker says: "${reasonString}"`);
  const serverReference = packet.properties?.serverReference;
  if (serverReference !== undefined) extras.push(`server reference: ${serverReference}`);
  let hint = info.hint;
  if (spec.protocolVersion === 5 && spec.protocolVersionDefaulted === false && code === 1) {
    hint = 'The broker does not speak MQTT 5: retry with -V 311.';
  } else if (spec.protocolVersion === 5 && code === 1) {
    hint = 'The broker does not speak MQTT 5: retry with -V 311.';
  }
  if ((code === 0x87 || (spec.protocolVersion !== 5 && code === 5)) && spec.username === undefined) {
    hint = 'The broker does not allow anonymous clients: pass -u and a password (MQTT_TOOL_PASSWORD, --password-file or -P).';
  }
  const suffix = extras.length > 0 ? ` (${extras.join('; ')})` : '';
  return new ConnackError(`connection refused: ${info.name} (${formatCode(code)})${suffix}`, {
    hint: hint === undefined ? info.meaning : `${info.meaning} ${hint}`,
  });
}

/**
 * mqtt-packet corks the socket for each packet and uncorks on the next tick, so
 * every PUBACK/PUBREC/PUBCOMP MQTT.js sends becomes its own writev syscall: at
 * 60k QoS 2 messages that was 2.3 s of a subscriber's 8 s. Deferring the uncork
 * by WRITE_COALESCE_MS coalesces the packets of that millisecond into one write
 * (sub -q 1 used 9 % less CPU than with one write per I/O turn).
 */
function coalesceWrites(socket: net.Socket): net.Socket {
  const uncork = socket.uncork.bind(socket);
  const end = socket.end.bind(socket) as (...args: unknown[]) => net.Socket;
  // end() must see every queued packet (the DISCONNECT above all) uncorked, or it never finishes.
  socket.end = ((...args: unknown[]) => {
    while (socket.writableCorked > 0) uncork();
    return end(...args);
  }) as typeof socket.end;
  let scheduled = false;
  socket.uncork = (): void => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      while (socket.writableCorked > 0) uncork();
    }, WRITE_COALESCE_MS);
  };
  return socket;
}

async function streamFactory(spec: ConnectionSpec, progress: Progress): Promise<() => Duplex> {
  const onTcpConnect = (): void => {
    progress.tcpConnected = true;
  };
  if (spec.transport === 'ws' || spec.transport === 'wss') {
    const ws = loadBundle<typeof import('mqtt/lib/connect/ws')>('transport-ws');
    const wsOpts: Record<string, unknown> = {
      protocol: spec.transport,
      hostname: spec.host,
      port: spec.port,
      path: spec.path,
      protocolId: spec.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: spec.protocolVersion,
      wsOptions: spec.tls === undefined ? {} : tlsOptions(spec),
    };
    return () => {
      const stream = ws.streamBuilder(undefined as never, wsOpts as never) as Duplex;
      onTcpConnect();
      return stream;
    };
  }
  if (spec.tls === undefined) {
    return () => {
      const socket = coalesceWrites(net.connect({ host: spec.host, port: spec.port }));
      socket.setNoDelay(true);
      socket.once('connect', onTcpConnect);
      return socket;
    };
  }
  const opts = tlsOptions(spec);
  return () => {
    const socket = coalesceWrites(tls.connect(opts));
    socket.once('connect', onTcpConnect);
    socket.once('secureConnect', () => {
      progress.tlsEstablished = true;
    });
    return socket;
  };
}

export function tlsOptions(spec: ConnectionSpec): tls.ConnectionOptions {
  const t = spec.tls;
  if (t === undefined) throw new Error('tlsOptions called for a plain connection');
  const servername = t.servername ?? (net.isIP(spec.host) === 0 ? spec.host : undefined);
  const opts: tls.ConnectionOptions = { host: spec.host, port: spec.port, rejectUnauthorized: t.rejectUnauthorized };
  if (servername !== undefined) opts.servername = servername;
  if (t.ca !== undefined) opts.ca = t.ca;
  if (t.cert !== undefined) opts.cert = t.cert;
  if (t.key !== undefined) opts.key = t.key;
  if (t.minVersion !== undefined) opts.minVersion = t.minVersion;
  if (t.maxVersion !== undefined) opts.maxVersion = t.maxVersion;
  if (t.alpn !== undefined) opts.ALPNProtocols = [...t.alpn];
  // With --servername, verify the certificate against that name, not -h (e.g. connecting by IP).
  if (t.servername !== undefined && t.rejectUnauthorized) {
    const name = t.servername;
    opts.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(name, cert);
  }
  return opts;
}

/**
 * Open a session. One-shot use (spec.reconnect.enabled false) fails on the first
 * problem; long-running use reconnects with capped exponential backoff after the
 * first successful CONNACK, and never retries a permanent refusal.
 */
export async function connect(spec: ConnectionSpec, options: ConnectOptions, extra: Partial<IClientOptions> = {}): Promise<Session> {
  let delayMs = spec.reconnect.periodMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(spec, options, extra);
    } catch (err) {
      if (!(err instanceof TransientRefusal)) throw err;
      const max = spec.reconnect.maxAttempts;
      if (!spec.reconnect.enabled || (max !== undefined && attempt > max)) throw err.error;
      options.notice(`${err.error.message}; the broker may accept later: retrying in ${delayMs / 1000} s`);
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, Math.max(spec.reconnect.periodMs, 30_000));
    }
  }
}

/** A refusal that may pass on retry (server unavailable, busy, rate limited); long-running commands retry it. */
class TransientRefusal extends Error {
  constructor(readonly error: CliError) {
    super(error.message);
  }
}

function refusalError(spec: ConnectionSpec, packet: IConnackPacket): Error {
  const code = (spec.protocolVersion === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
  const err = connackError(spec, packet);
  return isTransientConnackRefusal(spec.protocolVersion, code) ? new TransientRefusal(err) : err;
}

async function connectOnce(spec: ConnectionSpec, options: ConnectOptions, extra: Partial<IClientOptions>): Promise<Session> {
  const debugLog = options.debugLog ?? options.notice;
  const progress: Progress = { tcpConnected: false, tlsEstablished: false, mqttAccepted: false };
  let streamError: NodeJS.ErrnoException | undefined;
  const build = await streamFactory(spec, progress);
  const mqttOptions: IClientOptions = {
    ...toMqttOptions(spec),
    // Our own timer below reports the failure; keep MQTT.js's from racing it.
    connectTimeout: spec.connectTimeoutMs + 5_000,
    ...extra,
  };
  const client = new MqttClientClass(() => {
    progress.tcpConnected = false;
    progress.tlsEstablished = false;
    progress.mqttAccepted = false;
    streamError = undefined;
    const stream = build();
    if (options.ackTap !== undefined && !spec.debug) installAckTap(stream, options.ackTap);
    if (spec.debug) debugLog(`--> ${describePacket({ cmd: 'connect', ...mqttOptions } as unknown as Packet)}`);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      streamError ??= err;
    });
    return stream;
  }, mqttOptions);
  client.on('connect', () => {
    progress.mqttAccepted = true;
  });
  const onMessage = options.handleMessage;
  if (onMessage !== undefined) client.handleMessage = (packet, done) => onMessage(client, packet, done);
  if (spec.debug) {
    client.on('packetsend', (p: Packet) => debugLog(`--> ${describePacket(p)}`));
    client.on('packetreceive', (p: Packet) => debugLog(`<-- ${describePacket(p)}`));
  }

  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    let settled = false;
    let refusal: IConnackPacket | undefined;
    const finish = (err: Error | undefined, packet?: IConnackPacket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.removeListener('connect', onConnect);
      client.removeListener('packetreceive', onPacket);
      client.removeListener('close', onClose);
      client.removeListener('error', onError);
      if (err !== undefined) {
        client.end(true);
        reject(err);
      } else resolve(packet as IConnackPacket);
    };
    const onConnect = (packet: IConnackPacket): void => finish(undefined, packet);
    const onPacket = (packet: Packet): void => {
      if (packet.cmd === 'connack') refusal = packet;
    };
    const onError = (err: Error): void => {
      if (refusal !== undefined) finish(refusalError(spec, refusal));
      else finish(classifyStreamError(streamError ?? (err as NodeJS.ErrnoException), spec, progress));
    };
    const onClose = (): void => {
      if (refusal !== undefined) finish(refusalError(spec, refusal));
      else if (streamError !== undefined) finish(classifyStreamError(streamError, spec, progress));
      else {
        finish(
          new NetworkError(`${describeEndpoint(spec)} closed the connection before sending CONNACK`, {
            hint:
              spec.tls === undefined
                ? 'The port may expect TLS (use mqtts://), WebSocket (ws://), or the broker rejects this client silently (ban, connection limit, CONNECT too large).'
                : 'The broker may reject this client silently (ban, connection limit), or -V 5 is not supported: try -V 311.',
          }),
        );
      }
    };
    const timer = setTimeout(() => {
      const seconds = spec.connectTimeoutMs / 1000;
      finish(
        progress.tcpConnected
          ? new TimeoutError(`no CONNACK from ${describeEndpoint(spec)} within ${seconds} s`, {
              hint:
                spec.tls === undefined
                  ? 'The port accepted TCP but did not answer as an MQTT broker: is it a TLS port (use mqtts://) or a WebSocket port (use ws://)?'
                  : 'The TLS endpoint did not answer MQTT: is it a WebSocket port (use wss://)? Raise --connect-timeout for slow links.',
            })
          : new TimeoutError(`could not connect to ${spec.host}:${spec.port} within ${seconds} s`, {
              hint: 'The host may be down or a firewall drops the packets; check the address and port.',
            }),
      );
    }, spec.connectTimeoutMs);
    client.on('connect', onConnect);
    client.on('packetreceive', onPacket);
    client.on('close', onClose);
    client.on('error', onError);
  });

  return { client, connack, spec, ended: supervise(client, spec, options.notice, () => streamError, progress), close: () => closeClient(client) };
}

function closeClient(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.disconnected || client.disconnecting) {
      resolve();
      return;
    }
    client.end(false, {}, () => resolve());
  });
}

const STABLE_MS = 10_000;

/**
 * After the first CONNACK: watch the connection. Returns a promise that settles
 * with undefined after a clean close, or with the error that ended the session.
 */
function supervise(
  client: MqttClient,
  spec: ConnectionSpec,
  notice: Notice,
  lastStreamError: () => NodeJS.ErrnoException | undefined,
  progress: Progress,
): Promise<CliError | undefined> {
  return new Promise((resolve) => {
    let attempts = 0;
    let lost = false;
    let delayMs = spec.reconnect.periodMs;
    const maxDelayMs = Math.max(spec.reconnect.periodMs, 30_000);
    let pendingRefusal: IConnackPacket | undefined;
    let serverDisconnect: CliError | undefined;
    let serverDisconnectCode: number | undefined;
    let connectedAt: number | undefined = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (err: CliError | undefined): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      if (err !== undefined) client.end(true);
      resolve(err);
    };

    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'connack') pendingRefusal = packet;
      if (packet.cmd === 'disconnect') {
        const code = packet.reasonCode ?? 0;
        serverDisconnectCode = code;
        const info = decodeReason('disconnect', spec.protocolVersion, code);
        serverDisconnect = new RejectedError(
          `the broker disconnected us: ${info.name} (${formatCode(code)})${packet.properties?.reasonString === undefined ? '' : ` (broker says: "${packet.properties.reasonString}")`}`,
          { hint: info.hint === undefined ? info.meaning : `${info.meaning} ${info.hint}` },
        );
        // After a server DISCONNECT the connection is over [MQTT-3.14.4-1]; do not wait for the broker to close it.
        client.stream.destroy();
      }
    });
    client.on('error', () => {
      // Errors are classified on 'close'; the listener keeps EventEmitter from throwing.
    });
    client.on('connect', () => {
      pendingRefusal = undefined;
      serverDisconnect = undefined;
      serverDisconnectCode = undefined;
      if (lost) notice(`reconnected to ${describeEndpoint(spec)}`);
      lost = false;
      connectedAt = Date.now();
    });
    client.on('end', () => finish(undefined));
    client.on('close', () => {
      if (done || client.disconnecting) return;
      // Backoff and attempt count start over only after a connection that held: a broker that
      // accepts and drops us at once must not get a fast reconnect loop.
      if (connectedAt !== undefined && Date.now() - connectedAt >= STABLE_MS) {
        attempts = 0;
        delayMs = spec.reconnect.periodMs;
      }
      connectedAt = undefined;
      const refusal = pendingRefusal;
      pendingRefusal = undefined;
      if (refusal !== undefined) {
        const code = (spec.protocolVersion === 5 ? refusal.reasonCode : refusal.returnCode) ?? 0;
        if (!isTransientConnackRefusal(spec.protocolVersion, code) || !spec.reconnect.enabled) {
          finish(connackError(spec, refusal));
          return;
        }
      }
      if (serverDisconnect !== undefined && serverDisconnectCode !== undefined && !isTransientDisconnect(serverDisconnectCode)) {
        finish(serverDisconnect);
        return;
      }
      if (!spec.reconnect.enabled) {
        const streamErr = lastStreamError();
        finish(
          serverDisconnect ??
            (streamErr === undefined
              ? new NetworkError(`connection to ${describeEndpoint(spec)} lost`, { hint: 'Drop --no-reconnect to reconnect automatically.' })
              : classifyStreamError(streamErr, spec, progress)),
        );
        return;
      }
      if (!lost) {
        const why = serverDisconnect?.message ?? 'connection lost';
        notice(`${why}; reconnecting to ${describeEndpoint(spec)} (backoff from ${delayMs / 1000} s)`);
        lost = true;
      }
      attempts++;
      if (spec.reconnect.maxAttempts !== undefined && attempts > spec.reconnect.maxAttempts) {
        finish(
          new NetworkError(`gave up reconnecting to ${describeEndpoint(spec)} after ${spec.reconnect.maxAttempts} attempts`, {
            hint: 'Is the broker running? Raise --max-reconnects to keep trying longer.',
          }),
        );
        return;
      }
      timer = setTimeout(() => {
        timer = undefined;
        if (!done && !client.disconnecting) client.reconnect();
      }, delayMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    });
  });
}
