/** A ConnectionSpec as MQTT.js takes it. */
import type { IClientOptions } from 'mqtt';
import type { ConnectionSpec } from '../protocol/spec.js';

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

/**
 * The Session Expiry Interval a spec's CONNECT carries, as toMqttOptions sends it: -x, or -D connect
 * session-expiry-interval, or "never" for -c (MQTT 5 ends a session at disconnect without one), else 0.
 */
export function connectSessionExpiry(spec: Pick<ConnectionSpec, 'sessionExpirySeconds' | 'connectProperties' | 'clean'>): number {
  return spec.sessionExpirySeconds ?? (spec.connectProperties?.['sessionExpiryInterval'] as number | undefined) ?? (spec.clean ? 0 : 0xffffffff);
}
