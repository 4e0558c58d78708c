/**
 * Flags + URL + environment -> one typed ConnectionSpec. Pure except for the injected file
 * readers, so every rule is unit-testable.
 */
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { checkFieldLength } from '../cli/values.js';
import { UsageError } from '../errors.js';
import type { ConnectionSpec, PasswordSource, WillSpec } from '../protocol/spec.js';
import { requireTopicName } from '../protocol/topics.js';
import type { ProtocolVersion, Transport } from '../protocol/types.js';
import { buildTlsSpec, givenTlsFlags, type TlsFileAccess } from '../tls/spec.js';
import { connectSessionExpiry } from '../connection/mqttjs-options.js';
import { DEFAULT_PORTS, DEFAULT_WS_PATH, parseBrokerUrl, parseProxyUrl } from './broker-url.js';

export interface SpecContext extends TlsFileAccess {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Random suffix source for client ids. */
  readonly randomId: () => string;
  /** One-shot commands never reconnect: a retry would hide a refusal the user must see. */
  readonly longRunning: boolean;
}

function buildWill(flags: ConnectionFlags, version: ProtocolVersion): WillSpec | undefined {
  const anyWillFlag =
    flags.willPayload !== undefined || flags.willQos !== undefined || flags.willRetain === true || flags.willDelay !== undefined;
  if (flags.willTopic === undefined) {
    if (anyWillFlag) throw new UsageError('will flags need --will-topic');
    return undefined;
  }
  requireTopicName(flags.willTopic, '--will-topic');
  if (flags.willDelay !== undefined && version !== 5) {
    throw new UsageError('--will-delay needs MQTT 5; drop it or use -V 5');
  }
  if (flags.willPayload !== undefined) checkFieldLength('--will-payload', flags.willPayload);
  return {
    topic: flags.willTopic,
    payload: Buffer.from(flags.willPayload ?? '', 'utf8'),
    qos: flags.willQos ?? 0,
    retain: flags.willRetain === true,
    delaySeconds: flags.willDelay,
    properties: flags.mqtt5Properties?.will,
  };
}

function pickPassword(
  flags: ConnectionFlags,
  username: string | undefined,
  urlPassword: string | undefined,
  ctx: SpecContext,
): { password: Buffer | undefined; source: PasswordSource | undefined } {
  if (flags.password !== undefined) return { password: Buffer.from(flags.password, 'utf8'), source: 'flag' };
  if (flags.passwordFile !== undefined) {
    // A file written by `echo secret > f` ends in a newline that is never part of the password.
    const text = ctx.readFile('--password-file', flags.passwordFile).toString('utf8').replace(/\r?\n$/, '');
    return { password: Buffer.from(text, 'utf8'), source: 'file' };
  }
  if (urlPassword !== undefined) return { password: Buffer.from(urlPassword, 'utf8'), source: 'url' };
  // The environment's password goes with a user name only: exported once, it must not break anonymous use.
  const env = ctx.env['MQTT_TOOL_PASSWORD'];
  if (env !== undefined && env !== '' && username !== undefined) return { password: Buffer.from(env, 'utf8'), source: 'env' };
  return { password: undefined, source: undefined };
}

export function buildConnectionSpec(flags: ConnectionFlags, ctx: SpecContext): ConnectionSpec {
  const fromUrl = flags.url === undefined ? undefined : parseBrokerUrl(flags.url);
  const tlsFlags = givenTlsFlags(flags);
  const hasTlsFlags = tlsFlags.length > 0;
  let transport: Transport = fromUrl?.transport ?? 'mqtt';
  // Like mosquitto_pub --cafile: asking for TLS settings on a plain transport means TLS.
  if (hasTlsFlags && transport === 'mqtt') transport = 'mqtts';
  if (hasTlsFlags && transport === 'ws') transport = 'wss';
  const secure = transport === 'mqtts' || transport === 'wss';

  const protocolVersion: ProtocolVersion = flags.protocolVersion ?? 5;
  const clean = flags.disableCleanSession !== true;
  if (flags.sessionExpiry !== undefined && protocolVersion !== 5) {
    throw new UsageError('--session-expiry needs MQTT 5; with -V 311 use -c for a persistent session');
  }
  const idFromFlag = flags.id;
  if (idFromFlag !== undefined && flags.idPrefix !== undefined) {
    throw new UsageError('-i and --id-prefix cannot be combined: give one');
  }
  if (!clean && idFromFlag === undefined) {
    // [MQTT-3.1.3-8]: a persistent session needs a stable identifier to find it again.
    throw new UsageError('-c (persistent session) needs a fixed client id: add -i ID');
  }
  if (idFromFlag !== undefined && idFromFlag.length === 0) throw new UsageError('-i must not be empty');
  const clientId = idFromFlag ?? `${flags.idPrefix ?? 'mqtt-tool-'}${ctx.randomId()}`;
  checkFieldLength(idFromFlag === undefined ? '--id-prefix' : '-i', clientId);

  const username = flags.username ?? fromUrl?.username;
  if (username !== undefined) checkFieldLength('-u', username);
  const { password, source } = pickPassword(flags, username, fromUrl?.password, ctx);
  if (password !== undefined) checkFieldLength('the password', password);
  if (password !== undefined && username === undefined) {
    // MQTT 5 allows it, but mqtt-packet (MQTT.js's encoder) refuses to encode such a CONNECT in any version.
    throw new UsageError(
      protocolVersion === 5
        ? 'a password without a user name: MQTT 5 allows it, but mqtt-tool cannot send it (its MQTT encoder requires a user name): add -u'
        : 'MQTT 3.1.1 does not allow a password without a user name [MQTT-3.1.2-22]: add -u',
    );
  }

  const urlPath = fromUrl?.path;
  const isWs = transport === 'ws' || transport === 'wss';
  let urlTopic: string | undefined;
  if (urlPath !== undefined && !isWs) urlTopic = urlPath.slice(1);

  const reconnectPeriodSeconds = flags.reconnectPeriod ?? 1;
  const d = flags.mqtt5Properties;
  if (d !== undefined && (d.connect !== undefined || d.will !== undefined || d.disconnect !== undefined) && protocolVersion !== 5) {
    throw new UsageError('-D properties need MQTT 5: drop -V 311, or the -D options');
  }
  if (d?.connect?.['sessionExpiryInterval'] !== undefined && flags.sessionExpiry !== undefined) throw new UsageError('--session-expiry and -D connect session-expiry-interval say the same: give one');
  if (d?.will?.['willDelayInterval'] !== undefined && flags.willDelay !== undefined) throw new UsageError('--will-delay and -D will will-delay-interval say the same: give one');
  const connectExpiry = connectSessionExpiry({ sessionExpirySeconds: flags.sessionExpiry, connectProperties: d?.connect, clean });
  const disconnectExpiry = d?.disconnect?.['sessionExpiryInterval'] as number | undefined;
  if (disconnectExpiry !== undefined && disconnectExpiry > 0 && connectExpiry === 0) {
    // MQTT 5 section 3.14.2.2.2: a session that was to end at disconnect cannot be given a life in DISCONNECT.
    throw new UsageError('-D disconnect session-expiry-interval needs a session expiry on CONNECT too: MQTT 5 forbids setting it on DISCONNECT when CONNECT set none', {
      hint: 'Add -x SECONDS (or -c), or drop the -D disconnect session-expiry-interval.',
    });
  }
  if (flags.proxy !== undefined && (transport === 'ws' || transport === 'wss')) throw new UsageError('--proxy carries mqtt:// and mqtts:// here, not WebSocket URLs');
  if (flags.unix !== undefined) {
    const other = flags.url !== undefined ? '-L' : flags.host !== undefined ? '-h' : flags.port !== undefined ? '-p' : undefined;
    if (other !== undefined) throw new UsageError(`--unix names the broker's socket: drop ${other}`);
    if (secure) throw new UsageError(`--unix carries plain MQTT only: drop ${tlsFlags.join(', ')}`);
    if (flags.bindAddress !== undefined) throw new UsageError('--bind-address applies to TCP connections, not to --unix');
    if (flags.proxy !== undefined || flags.srv === true) throw new UsageError(`${flags.proxy !== undefined ? '--proxy' : '-S'} applies to TCP connections, not to --unix`);
    if (flags.unix === '') throw new UsageError('--unix needs a socket path');
  }
  return {
    transport,
    unixPath: flags.unix,
    bindAddress: flags.bindAddress,
    proxy: flags.proxy === undefined ? undefined : parseProxyUrl(flags.proxy),
    connectProperties: flags.mqtt5Properties?.connect,
    disconnectProperties: flags.mqtt5Properties?.disconnect,
    host: flags.host ?? fromUrl?.host ?? 'localhost',
    port: flags.port ?? fromUrl?.port ?? DEFAULT_PORTS[transport],
    path: isWs ? (urlPath ?? DEFAULT_WS_PATH) : DEFAULT_WS_PATH,
    clientId,
    username,
    password,
    passwordSource: source,
    protocolVersion,
    protocolVersionDefaulted: flags.protocolVersion === undefined,
    clean,
    sessionExpirySeconds: flags.sessionExpiry,
    keepaliveSeconds: flags.keepalive ?? 60,
    connectTimeoutMs: Math.round((flags.connectTimeout ?? 10) * 1000),
    tls: secure ? buildTlsSpec(flags, ctx) : undefined,
    will: buildWill(flags, protocolVersion),
    debug: flags.debug === true,
    reconnect: {
      enabled: ctx.longRunning && flags.reconnect !== false,
      periodMs: Math.round(reconnectPeriodSeconds * 1000),
      maxAttempts: flags.maxReconnects,
    },
    urlTopic: urlTopic === '' ? undefined : urlTopic,
  };
}

