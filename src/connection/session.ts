/**
 * connect(spec) -> Session once CONNACK says yes; typed errors otherwise. The CONNACK
 * wait is bounded by --connect-timeout; after it, the session is watched and re-opened
 * as the reconnect policy says. Prints nothing: events go to the caller's `notice`.
 */
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import clientModule from 'mqtt/lib/client';
import type { IClientOptions, IConnackPacket, IPublishPacket, MqttClient, Packet } from 'mqtt';
import type { CliError } from '../errors.js';
import { describeEndpoint } from '../protocol/endpoint.js';
import { connectSessionExpiry, toMqttOptions } from './mqttjs-options.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { connackCode, explainClientError, explainClosedBeforeConnack, explainNoConnack, explainNoMqtt5, explainProtocolViolation, explainRefusal, explainStreamError } from './explain.js';
import { publishViolation } from './inbound-checks.js';
import { supervise, type Notice } from './supervise.js';
import { describePacket } from './packet-log.js';
import { formatCode } from './reason-codes.js';
import { installInboundTap, protocolViolationError, type AckTap } from './ack-tap.js';
import { InboundTopicAliases } from './topic-aliases.js';
import { isRetryable, ReconnectSchedule } from './reconnect.js';
import { openTransport, type SocksTransport } from './transport/index.js';
import { freshProgress, type Progress } from './transport/progress.js';
import type { WebSocketLibrary } from './transport/ws.js';

// The bundle (Node's CommonJS interop) sees module.exports here; vitest's interop already gives its `default`.
const MqttClientClass = ((clientModule as { default?: typeof clientModule.default }).default ?? clientModule) as typeof clientModule.default;

/** Bytes of the peer's first answer kept to tell a web server (or SSH, or TLS) from a broker. */
const FIRST_BYTES = 64;

export interface Session {
  readonly client: MqttClient;
  readonly connack: IConnackPacket;
  readonly spec: ConnectionSpec;
  /** Resolves when the session ends for good: after close() or when reconnection gives up. */
  readonly ended: Promise<CliError | undefined>;
  /** Clean DISCONNECT (no will), then release the socket. */
  close(): Promise<void>;
}

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
  /** The `ws` library, for ws:// and wss:// specs (the command edge loads it only then). */
  readonly webSocket?: WebSocketLibrary;
  /** The SOCKS5 tunnel, injected for --proxy (connection/transport/load.ts loads it). */
  readonly socks?: SocksTransport;
  /**
   * Set by commands that cannot work without MQTT 5 (rr): the words for "this broker does not
   * offer it". Otherwise a defaulted MQTT 5 falls back to 3.1.1 once when the broker lacks 5.
   */
  readonly needsMqtt5?: string;
  /**
   * Keep the broker's session across reconnects though the spec asks for a clean one, so QoS 1/2
   * messages in flight survive a cut link exactly once (pub -l): only the broker's session knows
   * whether a PUBREL arrived before the cut. MQTT 5: clean start with a session expiry, resumed on
   * reconnect and ended by the final DISCONNECT. 3.1.1: a persistent session for this run's client
   * id, removed by a clean connection after the final DISCONNECT.
   */
  readonly keepSession?: boolean;
}

/** MQTT 5: how long the broker keeps a kept session (keepSession) when the link is cut. */
export const KEPT_SESSION_S = 300;

/** A refusal that may pass on retry (server unavailable, busy, rate limited); long-running commands retry it. */
class TransientRefusal extends Error {
  constructor(readonly error: CliError) {
    super(error.message);
  }
}

/** The broker answered an MQTT 5 CONNECT the way a broker without MQTT 5 does. */
class Mqtt5Refused extends Error {
  constructor(
    readonly error: CliError,
    readonly how: string,
  ) {
    super(error.message);
  }
}

/**
 * Open a session. One-shot use (spec.reconnect.enabled false) fails on the first
 * problem; long-running use retries transient refusals and reconnects after a loss,
 * as the one reconnect policy says, and never retries a permanent refusal.
 * MQTT 5 is the default; when the user did not choose it (-V) and the broker refuses
 * it as a 3.1.1-only broker does, 3.1.1 is tried once and `notice` says so. The
 * session's spec carries the version that was accepted.
 */
export async function connect(spec: ConnectionSpec, options: ConnectOptions): Promise<Session> {
  const schedule = new ReconnectSchedule(spec.reconnect);
  for (;;) {
    try {
      return await connectOnce(spec, options, schedule);
    } catch (err) {
      if (err instanceof Mqtt5Refused) {
        if (options.needsMqtt5 !== undefined) throw explainNoMqtt5(spec, err.how, options.needsMqtt5);
        if (!spec.protocolVersionDefaulted) throw err.error;
        options.notice(`${describeEndpoint(spec)} does not speak MQTT 5 (${err.how}): using MQTT 3.1.1 (-V 311 skips this step)`);
        try {
          return await connectOnce({ ...spec, protocolVersion: 4, protocolVersionDefaulted: false }, options, schedule);
        } catch (second) {
          // A broker that refuses 3.1.1 the same way refused something else: the first answer explains it.
          if (second instanceof Mqtt5Refused) throw err.error;
          throw second;
        }
      }
      if (!(err instanceof TransientRefusal)) throw err;
      const delayMs = schedule.nextDelayMs();
      if (delayMs === undefined) throw err.error;
      options.notice(`${err.error.message}; the broker may accept later: retrying in ${delayMs / 1000} s`);
      await sleep(delayMs);
    }
  }
}

function refusal(spec: ConnectionSpec, packet: IConnackPacket): Error {
  const err = explainRefusal(spec, packet);
  const code = connackCode(spec, packet);
  // 0x84 Unsupported Protocol Version, or a 3.1.1 CONNACK's 0x01 unacceptable protocol version [MQTT-3.1.2-2].
  if (spec.protocolVersion === 5 && (code === 0x84 || code === 0x01)) return new Mqtt5Refused(err, `CONNACK ${formatCode(code)}`);
  return isRetryable({ kind: 'refused', code }, spec.protocolVersion) ? new TransientRefusal(err) : err;
}

/** A 3.1.1-only broker may also close the connection on an MQTT 5 CONNECT without a word (RabbitMQ before 3.13 does). */
function closedWithoutConnack(spec: ConnectionSpec, progress: Progress): Error {
  const err = explainClosedBeforeConnack(spec, progress);
  const silentClose = progress.tcpConnected && progress.firstBytes === undefined && (spec.tls === undefined || progress.tlsEstablished);
  return spec.protocolVersion === 5 && silentClose ? new Mqtt5Refused(err, 'it closed the connection without a CONNACK') : err;
}

/** Keeps the first bytes of each attempt (until CONNACK) for the explanation of a failure. */
function recordFirstBytes(stream: Duplex, progress: Progress): void {
  const onData = (chunk: Buffer): void => {
    const seen = progress.firstBytes === undefined ? chunk : Buffer.concat([progress.firstBytes, chunk]);
    progress.firstBytes = seen.subarray(0, FIRST_BYTES);
    if (seen.length >= FIRST_BYTES || progress.mqttAccepted) stream.removeListener('data', onData);
  };
  stream.on('data', onData);
}

async function connectOnce(spec: ConnectionSpec, options: ConnectOptions, schedule: ReconnectSchedule): Promise<Session> {
  const debugLog = options.debugLog ?? options.notice;
  const progress = freshProgress();
  let streamError: NodeJS.ErrnoException | undefined;
  const keep = options.keepSession === true && spec.clean;
  const base = toMqttOptions(spec);
  const mqttOptions: IClientOptions = {
    ...base,
    // Our own timer below reports the failure; keep MQTT.js's from racing it.
    connectTimeout: spec.connectTimeoutMs + 5_000,
    // mqtt-packet otherwise builds a 65,536-entry buffer cache on the first write: ~40 ms of start-up.
    writeCache: false,
    ...(keep && spec.protocolVersion === 5 ? { properties: { ...base.properties, sessionExpiryInterval: spec.sessionExpirySeconds ?? KEPT_SESSION_S } } : {}),
    ...(keep && spec.protocolVersion !== 5 ? { clean: false } : {}),
  };
  const aliases = new InboundTopicAliases(Number(spec.connectProperties?.['topicAliasMaximum'] ?? 0));
  const client = new MqttClientClass(() => {
    Object.assign(progress, freshProgress());
    streamError = undefined;
    aliases.reset();
    const stream = openTransport(spec, progress, options.webSocket, options.socks);
    // Every packet is checked; the acks go to the publisher unless --debug wants MQTT.js to see (and log) them.
    installInboundTap(stream, spec.protocolVersion, spec.debug ? undefined : options.ackTap);
    // MQTT.js pipes the stream right after this returns, in the same tick: no data is missed.
    recordFirstBytes(stream, progress);
    if (spec.debug) debugLog(`--> ${describePacket({ cmd: 'connect', ...mqttOptions } as unknown as Packet)}`);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      streamError ??= err;
    });
    return stream;
  }, mqttOptions);
  client.on('connect', () => {
    progress.mqttAccepted = true;
  });
  // Aliases follow the order PUBLISH packets arrive in (a QoS 2 message is handed on only at its
  // PUBREL): each gets its topic back here, before MQTT.js or a command reads it.
  client.on('packetreceive', (packet: Packet) => {
    if (packet.cmd !== 'publish' || spec.protocolVersion !== 5) return;
    const r = aliases.resolve(packet.topic, packet.properties?.topicAlias);
    if ('violation' in r) client.stream.destroy(protocolViolationError(r.violation));
    else packet.topic = r.topic;
  });
  const onMessage = options.handleMessage;
  if (onMessage !== undefined) {
    // A PUBLISH that breaks the protocol is never handed on; the session watch ends the connection over it.
    client.handleMessage = (packet, done) => (publishViolation(packet, spec.protocolVersion) === undefined ? onMessage(client, packet, done) : done());
  }
  if (spec.debug) {
    client.on('packetsend', (p: Packet) => debugLog(`--> ${describePacket(p)}`));
    client.on('packetreceive', (p: Packet) => debugLog(`<-- ${describePacket(p)}`));
  }

  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    let settled = false;
    let refused: IConnackPacket | undefined;
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
    const onConnect = (packet: IConnackPacket): void => {
      // A CONNACK too short to carry its code: mqtt-packet reads it as success under MQTT 5, but it is a broken broker.
      if ((packet.length ?? 2) < 2) finish(explainProtocolViolation(spec, `a CONNACK without its ${spec.protocolVersion === 5 ? 'reason' : 'return'} code`));
      else finish(undefined, packet);
    };
    const onPacket = (packet: Packet): void => {
      if (packet.cmd === 'connack') refused = packet;
    };
    // A refusing CONNACK explains the end best, then a socket error, then whatever else is known.
    const failure = (otherwise: () => Error): Error =>
      refused !== undefined ? refusal(spec, refused) : streamError !== undefined ? explainStreamError(streamError, spec, progress) : otherwise();
    const onError = (err: Error): void => finish(failure(() => explainClientError(err, spec, progress)));
    const onClose = (): void => finish(failure(() => closedWithoutConnack(spec, progress)));
    const timer = setTimeout(() => finish(explainNoConnack(spec, progress)), spec.connectTimeoutMs);
    client.on('connect', onConnect);
    client.on('packetreceive', onPacket);
    client.on('close', onClose);
    client.on('error', onError);
  });

  schedule.connected();
  // MQTT 5: the first CONNECT started clean; every reconnect resumes the session [MQTT-3.1.2-4]. So
  // does a session the user gave an expiry (-x): kept by the broker, it holds what arrived meanwhile.
  if (spec.protocolVersion === 5 && (keep || connectSessionExpiry(spec) > 0)) client.options.clean = false;
  return {
    client,
    connack,
    spec,
    ended: supervise(client, spec, options.notice, () => streamError, progress, schedule),
    close: async () => {
      // The kept session ends with us: MQTT 5 by a zero expiry on DISCONNECT [MQTT-3.14.2-2], 3.1.1 by a clean connection.
      // -D disconnect properties go on the DISCONNECT; the user's session expiry there wins over ours.
      const properties = { ...(keep && spec.protocolVersion === 5 ? { sessionExpiryInterval: 0 } : {}), ...spec.disconnectProperties };
      await closeClient(client, Object.keys(properties).length > 0 ? { properties } : {});
      if (keep && spec.protocolVersion !== 5) await dropSession(spec, options);
    },
  };
}

/** How long a clean close waits for the broker to take our DISCONNECT and close its side. */
const DISCONNECT_WAIT_MS = 2_000;

/** Connects once with a clean session and leaves: the broker drops what this client id had kept. */
async function dropSession(spec: ConnectionSpec, options: ConnectOptions): Promise<void> {
  try {
    const s = await connect({ ...spec, will: undefined, reconnect: { ...spec.reconnect, enabled: false } }, { notice: options.notice, webSocket: options.webSocket, socks: options.socks });
    await s.close();
  } catch {
    // The session expires on the broker's own terms; nothing the user asked for is lost.
  }
}

/**
 * DISCONNECT, then the socket is closed: by the broker, or by us after DISCONNECT_WAIT_MS
 * (a broker must close it [MQTT-3.14.4-1], but a dead link or a broken broker never does).
 */
function closeClient(client: MqttClient, disconnect: Parameters<MqttClient['end']>[1] = {}): Promise<void> {
  return new Promise((resolve) => {
    if (client.disconnected || client.disconnecting) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      client.stream.destroy();
      resolve();
    }, DISCONNECT_WAIT_MS);
    client.end(false, disconnect, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
