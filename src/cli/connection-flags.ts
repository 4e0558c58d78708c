import type { Mqtt5Properties } from '../protocol/spec.js';
import type { ProtocolVersion, Qos } from '../protocol/types.js';
import type { TlsFlags } from '../tls/spec.js';

/** What commander hands over for the shared connection option group. All optional: defaults live here. */
export interface ConnectionFlags extends TlsFlags {
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
