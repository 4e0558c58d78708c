/** The protocol's own small types, shared by every layer. A leaf: imports nothing of the project. */

export type Qos = 0 | 1 | 2;

/** The CONNECT protocol level: 3 is MQTT 3.1, 4 is MQTT 3.1.1, 5 is MQTT 5. */
export type ProtocolVersion = 3 | 4 | 5;

export type Transport = 'mqtt' | 'mqtts' | 'ws' | 'wss';

export function protocolVersionLabel(v: ProtocolVersion): string {
  return v === 5 ? 'MQTT 5' : v === 4 ? 'MQTT 3.1.1' : 'MQTT 3.1';
}

/** MQTT strings and binary data carry a two-byte length [MQTT-1.5.4-1, MQTT-1.5.6-1]. */
export const MAX_FIELD_BYTES = 65_535;

/** The largest Variable Byte Integer, so the largest remaining length of any packet [MQTT-1.5.5]. */
export const MAX_REMAINING_LENGTH = 268_435_455;
