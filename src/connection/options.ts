/**
 * Flags + URL + environment -> one typed ConnectionSpec -> MQTT.js options.
 * Pure except for the injected file reader, so every rule is unit-testable.
 */
import type { IClientOptions } from 'mqtt';
import type { SecureVersion } from 'node:tls';
import { UsageError } from '../errors.js';
import type { ProtocolVersion } from './reason-codes.js';
import { validateTopicName } from './topics.js';
import type { Qos } from './values.js';
import { checkFieldLength, parsePort } from './values.js';

export type Transport = 'mqtt' | 'mqtts' | 'ws' | 'wss';

/** What commander hands us for the shared connection option group. All optional: defaults live here. */
export interface ConnectionFlags {
  host?: string;
  port?: number;
  unix?: string;
  bindAddress?: string;
  proxy?: string;
  srv?: boolean;
  /** -D connect / will / disconnect: MQTT 5 properties of those packets (parsed by setup/properties.ts). */
  mqtt5Properties?: { connect?: Mqtt5Properties; will?: Mqtt5Properties; disconnect?: Mqtt5Properties };
  url?: string;
  id?: string;
  idPrefix?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  keepalive?: number;
  protocolVersion?: ProtocolVersion;
  disableCleanSession?: boolean;
  sessionExpiry?: number;
  connectTimeout?: number;
  cafile?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  tlsVersion?: string;
  alpn?: string[];
  servername?: string;
  capath?: string;
  tlsUseOsCerts?: boolean;
  ciphers?: string;
  tls13Ciphers?: string;
  tlsKeylog?: string;
  psk?: string;
  pskIdentity?: string;
  keyPasswordFile?: string;
  willTopic?: string;
  willPayload?: string;
  willQos?: Qos;
  willRetain?: boolean;
  willDelay?: number;
  debug?: boolean;
  reconnect?: boolean;
  reconnectPeriod?: number;
  maxReconnects?: number;
}

export type PasswordSource = 'flag' | 'file' | 'url' | 'env';

/** --proxy: a SOCKS5 proxy that resolves the broker's name itself (socks5h). */
export interface ProxySpec {
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** "socks5h://[user:pass@]host:port" (as mosquitto's --proxy takes it); port 1080 when left out. */
export function parseProxyUrl(raw: string): ProxySpec {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--proxy '${raw}' is not a URL: expected socks5h://[user:pass@]host:port`);
  }
  if (url.protocol !== 'socks5h:') {
    throw new UsageError(`--proxy '${raw}': only socks5h:// is supported (SOCKS5, the proxy resolving the broker's name), as in mosquitto`);
  }
  if (url.hostname === '') throw new UsageError(`--proxy '${raw}' names no proxy host`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 1080 : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
  };
}

/** MQTT 5 properties by their MQTT.js names, e.g. { receiveMaximum: 10, userProperties: { k: ['v'] } }. */
export type Mqtt5Properties = Readonly<Record<string, number | boolean | string | Buffer | Record<string, string[]>>>;

export interface TlsSpec {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly rejectUnauthorized: boolean;
  readonly minVersion: SecureVersion | undefined;
  readonly maxVersion: SecureVersion | undefined;
  readonly alpn: readonly string[] | undefined;
  /** SNI name; undefined means "the host, unless it is an IP address". */
  readonly servername: string | undefined;
  /** OpenSSL cipher list: --tls13-ciphers' suites, then --ciphers' (TLS 1.2) ciphers. */
  readonly ciphers: string | undefined;
  /** The passphrase of an encrypted --key (--key-password-file). */
  readonly passphrase: string | undefined;
  /** TLS-PSK instead of certificates (TLS 1.2). */
  readonly psk: { readonly key: Buffer; readonly identity: string } | undefined;
  /** --tls-keylog: the file the session keys are appended to (NSS key log format). */
  readonly keylogFile: string | undefined;
}

export interface WillSpec {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly delaySeconds: number | undefined;
  /** -D will: the will message's properties. */
  readonly properties: Mqtt5Properties | undefined;
}

export interface ReconnectPolicy {
  readonly enabled: boolean;
  readonly periodMs: number;
  /** undefined: retry for ever. */
  readonly maxAttempts: number | undefined;
}

export interface ConnectionSpec {
  readonly transport: Transport;
  readonly host: string;
  readonly port: number;
  /** --unix: a Unix domain socket instead of host and port (plain MQTT only). */
  readonly unixPath: string | undefined;
  /** -A: the local address outgoing connections are made from. */
  readonly bindAddress: string | undefined;
  /** --proxy: the SOCKS5 proxy the connection goes through. */
  readonly proxy: ProxySpec | undefined;
  /** -D connect: CONNECT properties beyond the session expiry. */
  readonly connectProperties: Mqtt5Properties | undefined;
  /** -D disconnect: DISCONNECT properties. */
  readonly disconnectProperties: Mqtt5Properties | undefined;
  /** WebSocket path, e.g. /mqtt. */
  readonly path: string;
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  readonly passwordSource: PasswordSource | undefined;
  readonly protocolVersion: ProtocolVersion;
  /** True unless the user chose explicitly (-V): a defaulted MQTT 5 may fall back to 3.1.1 once (session.ts). */
  readonly protocolVersionDefaulted: boolean;
  readonly clean: boolean;
  readonly sessionExpirySeconds: number | undefined;
  readonly keepaliveSeconds: number;
  readonly connectTimeoutMs: number;
  readonly tls: TlsSpec | undefined;
  readonly will: WillSpec | undefined;
  readonly debug: boolean;
  readonly reconnect: ReconnectPolicy;
  /** The topic named in the URL path (mqtt://host/some/topic), if any. */
  readonly urlTopic: string | undefined;
}

export interface SpecContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file named by a flag; throws UsageError naming the flag when it cannot. */
  readonly readFile: (flag: string, path: string) => Buffer;
  /** The certificates (PEM) of a CA directory (--capath); throws UsageError naming the flag when it cannot. */
  readonly readCaDirectory: (flag: string, dir: string) => Buffer[];
  /** The operating system's trusted CA certificates (PEM), for --tls-use-os-certs. */
  readonly osCaCertificates: () => string[];
  /** Random suffix source for client ids. */
  readonly randomId: () => string;
  /** One-shot commands never reconnect: a retry would hide a refusal the user must see. */
  readonly longRunning: boolean;
}

const DEFAULT_PORTS: Record<Transport, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };
const DEFAULT_WS_PATH = '/mqtt';

interface UrlParts {
  transport: Transport;
  host: string | undefined;
  port: number | undefined;
  username: string | undefined;
  password: string | undefined;
  path: string | undefined;
}

export function parseBrokerUrl(raw: string): UrlParts {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`malformed URL '${raw}': expected e.g. mqtt://host:1883 or mqtts://user@host/topic`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  const transports: Record<string, Transport> = { mqtt: 'mqtt', tcp: 'mqtt', mqtts: 'mqtts', ssl: 'mqtts', tls: 'mqtts', ws: 'ws', wss: 'wss' };
  const transport = transports[scheme];
  if (transport === undefined) {
    throw new UsageError(`unknown URL scheme '${scheme}:' in '${raw}': use mqtt://, mqtts://, ws:// or wss://`);
  }
  if (url.hostname === '') throw new UsageError(`URL '${raw}' has no host`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? undefined : parsePort('the URL port', url.port);
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new UsageError(`URL '${raw}' has a malformed percent-escape`);
    }
  };
  return {
    transport,
    host,
    port,
    username: url.username === '' ? undefined : decode(url.username),
    password: url.password === '' ? undefined : decode(url.password),
    path: url.pathname === '' || url.pathname === '/' ? undefined : decode(url.pathname),
  };
}

function tlsVersion(value: string): SecureVersion {
  const versions: Record<string, SecureVersion> = {
    'tlsv1.2': 'TLSv1.2',
    '1.2': 'TLSv1.2',
    'tlsv1.3': 'TLSv1.3',
    '1.3': 'TLSv1.3',
    'tlsv1.1': 'TLSv1.1',
    '1.1': 'TLSv1.1',
    'tlsv1': 'TLSv1',
    'tlsv1.0': 'TLSv1',
    '1.0': 'TLSv1',
  };
  const v = versions[value.toLowerCase()];
  if (v === undefined) throw new UsageError(`unknown TLS version '${value}' for --tls-version: use tlsv1.2 or tlsv1.3`);
  return v;
}

/** --cafile, --capath and --tls-use-os-certs together: the CAs to trust, or undefined for Node's own list. */
function trustedCas(flags: ConnectionFlags, ctx: SpecContext): Buffer[] | undefined {
  const cas: Buffer[] = [];
  if (flags.cafile !== undefined) cas.push(ctx.readFile('--cafile', flags.cafile));
  if (flags.capath !== undefined) {
    const found = ctx.readCaDirectory('--capath', flags.capath);
    if (found.length === 0) throw new UsageError(`--capath '${flags.capath}' holds no certificate (.pem, .crt, or OpenSSL hash names like 1a2b3c4d.0)`);
    cas.push(...found);
  }
  if (flags.tlsUseOsCerts === true) {
    const os = ctx.osCaCertificates();
    if (os.length === 0) throw new UsageError('--tls-use-os-certs: no CA certificates of the operating system were found', { hint: 'Install them (Debian: apt-get install ca-certificates), or give --cafile.' });
    cas.push(...os.map((pem) => Buffer.from(pem)));
  }
  return cas.length === 0 ? undefined : cas;
}

function buildPsk(flags: ConnectionFlags): TlsSpec['psk'] {
  if (flags.psk === undefined && flags.pskIdentity === undefined) return undefined;
  if (flags.psk === undefined || flags.pskIdentity === undefined) throw new UsageError('--psk and --psk-identity go together: give both');
  if (!/^([0-9a-fA-F]{2})+$/.test(flags.psk)) throw new UsageError('--psk must be the key in hexadecimal (an even number of 0-9, a-f), as in Mosquitto\'s psk_file');
  if (flags.cert !== undefined || flags.cafile !== undefined || flags.capath !== undefined) {
    throw new UsageError('--psk replaces certificates: drop --cafile, --capath, --cert and --key');
  }
  if (flags.tlsVersion === 'tlsv1.3') throw new UsageError('--psk works with TLS 1.2 here (Node has no TLS 1.3 PSK for clients): drop --tls-version tlsv1.3');
  return { key: Buffer.from(flags.psk, 'hex'), identity: flags.pskIdentity };
}

function buildTls(flags: ConnectionFlags, ctx: SpecContext): TlsSpec {
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new UsageError('--cert and --key go together: give both, or neither');
  }
  if (flags.keyPasswordFile !== undefined && flags.key === undefined) throw new UsageError('--key-password-file goes with --key');
  const version = flags.tlsVersion === undefined ? undefined : tlsVersion(flags.tlsVersion);
  const psk = buildPsk(flags);
  const ciphers = [flags.tls13Ciphers, flags.ciphers].filter((c): c is string => c !== undefined && c !== '').join(':');
  const cas = trustedCas(flags, ctx);
  return {
    psk,
    // PSK needs PSK cipher suites, which OpenSSL leaves out by default; at most TLS 1.2.
    ciphers: ciphers !== '' ? ciphers : psk !== undefined ? 'PSK:ECDHE-PSK:DHE-PSK:!aNULL' : undefined,
    passphrase: flags.keyPasswordFile === undefined ? undefined : ctx.readFile('--key-password-file', flags.keyPasswordFile).toString('utf8').replace(/\r?\n$/, ''),
    keylogFile: flags.tlsKeylog,
    // One PEM bundle; each file ends in a newline, so no certificate runs into the next.
    ca: cas === undefined ? undefined : cas.length === 1 ? cas[0] : Buffer.concat(cas.map((c) => (c.at(-1) === 0x0a ? c : Buffer.concat([c, Buffer.from('\n')])))),
    cert: flags.cert === undefined ? undefined : ctx.readFile('--cert', flags.cert),
    key: flags.key === undefined ? undefined : ctx.readFile('--key', flags.key),
    rejectUnauthorized: flags.insecure !== true,
    minVersion: version,
    maxVersion: psk !== undefined ? 'TLSv1.2' : version,
    alpn: flags.alpn,
    servername: flags.servername,
  };
}

function buildWill(flags: ConnectionFlags, version: ProtocolVersion): WillSpec | undefined {
  const anyWillFlag =
    flags.willPayload !== undefined || flags.willQos !== undefined || flags.willRetain === true || flags.willDelay !== undefined;
  if (flags.willTopic === undefined) {
    if (anyWillFlag) throw new UsageError('will flags need --will-topic');
    return undefined;
  }
  const check = validateTopicName(flags.willTopic);
  if (!check.ok) throw new UsageError(`invalid --will-topic: ${check.message} [${check.rule}]`);
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
  const hasTlsFlags = flags.cafile !== undefined || flags.cert !== undefined || flags.insecure === true ||
    flags.tlsVersion !== undefined || flags.alpn !== undefined || flags.servername !== undefined || flags.capath !== undefined ||
    flags.tlsUseOsCerts === true || flags.ciphers !== undefined || flags.tls13Ciphers !== undefined || flags.tlsKeylog !== undefined ||
    flags.psk !== undefined || flags.pskIdentity !== undefined;
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
  if (flags.proxy !== undefined && (transport === 'ws' || transport === 'wss')) throw new UsageError('--proxy carries mqtt:// and mqtts:// here, not WebSocket URLs');
  if (flags.unix !== undefined) {
    const other = flags.url !== undefined ? '-L' : flags.host !== undefined ? '-h' : flags.port !== undefined ? '-p' : undefined;
    if (other !== undefined) throw new UsageError(`--unix names the broker's socket: drop ${other}`);
    if (secure) throw new UsageError('--unix carries plain MQTT only: drop the TLS flags (--cafile, --cert, --key, --insecure, --tls-version, --alpn, --servername)');
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
    tls: secure ? buildTls(flags, ctx) : undefined,
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

/** -A as net.connect takes it: every outgoing socket (TCP, TLS, WebSocket, the proxy's) binds the same way. */
export function bindOptions(spec: Pick<ConnectionSpec, 'bindAddress'>): { localAddress?: string } {
  return spec.bindAddress === undefined ? {} : { localAddress: spec.bindAddress };
}

/** A host as a URL writes it: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** "mqtts://host:8883" without credentials: safe to print and to put in --json output. */
export function describeEndpoint(spec: Pick<ConnectionSpec, 'transport' | 'host' | 'port' | 'path'> & { readonly unixPath?: string | undefined }): string {
  if (spec.unixPath !== undefined) return `unix:${spec.unixPath}`;
  const path = spec.transport === 'ws' || spec.transport === 'wss' ? spec.path : '';
  return `${spec.transport}://${urlHost(spec.host)}:${spec.port}${path}`;
}

/**
 * The MQTT.js options for a spec. Reconnection is driven by our own policy in
 * reconnect.ts and session.ts, so MQTT.js's own timer is off (reconnectPeriod 0).
 */
export function toMqttOptions(spec: ConnectionSpec): IClientOptions {
  const opts: IClientOptions = {
    clientId: spec.clientId,
    protocolVersion: spec.protocolVersion,
    protocolId: spec.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    clean: spec.clean,
    keepalive: spec.keepaliveSeconds,
    connectTimeout: spec.connectTimeoutMs,
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
    // MQTT.js otherwise clears and re-arms the keepalive timer for every ack it receives: at
    // 60k QoS 1 messages that is a visible share of `pub -l`'s CPU. Pings then go out every
    // keepalive whatever the traffic, and a missing PINGRESP still ends the connection.
    reschedulePings: false,
  };
  if (spec.username !== undefined) opts.username = spec.username;
  if (spec.password !== undefined) opts.password = spec.password;
  if (spec.protocolVersion === 5 && spec.sessionExpirySeconds !== undefined) {
    opts.properties = { sessionExpiryInterval: spec.sessionExpirySeconds };
  } else if (spec.protocolVersion === 5 && !spec.clean) {
    // MQTT 5 ends a session at disconnect unless an expiry is set; -c means "keep it", as in mosquitto.
    opts.properties = { sessionExpiryInterval: 0xffffffff };
  }
  if (spec.protocolVersion === 5 && spec.connectProperties !== undefined) opts.properties = { ...opts.properties, ...spec.connectProperties } as IClientOptions['properties'];
  if (spec.will !== undefined) {
    opts.will = {
      topic: spec.will.topic,
      payload: spec.will.payload,
      qos: spec.will.qos,
      retain: spec.will.retain,
      ...(spec.will.delaySeconds !== undefined || spec.will.properties !== undefined
        ? { properties: { ...spec.will.properties, ...(spec.will.delaySeconds === undefined ? {} : { willDelayInterval: spec.will.delaySeconds }) } }
        : {}),
    };
  }
  return opts;
}
