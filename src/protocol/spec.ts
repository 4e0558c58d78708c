/**
 * ConnectionSpec: everything one connection needs, built once from flags, URL, environment,
 * files and profile (src/setup/) and read by every layer below. A leaf: no project imports
 * beyond src/protocol/, no behaviour.
 */
import type { SecureVersion } from 'node:tls';
import type { ProtocolVersion, Qos, Transport } from './types.js';

export type PasswordSource = 'flag' | 'file' | 'url' | 'env';

/** --proxy: a SOCKS5 proxy that resolves the broker's name itself (socks5h). */
export interface ProxySpec {
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
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
