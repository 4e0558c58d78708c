/**
 * Pure decode tables: MQTT 3.1.1 CONNACK return codes and MQTT 5 reason codes,
 * keyed by protocol version AND packet kind, because one number means different
 * things in different packets (0x87 in a CONNACK vs a PUBACK; 4 in a 3.1.1 CONNACK
 * vs an MQTT 5 DISCONNECT). Names are the OASIS specifications'; meanings and
 * hints are ours. No I/O here.
 */

import type { ProtocolVersion } from '../protocol/types.js';

/** The pointer every limit-related refusal ends with. */
const LIMITS = ' `mqtt-tool diagnose --limits` measures what the broker allows.';

export type PacketKind = 'connack' | 'puback' | 'pubrec' | 'pubcomp' | 'suback' | 'unsuback' | 'disconnect';

export interface ReasonInfo {
  readonly code: number;
  readonly name: string;
  readonly meaning: string;
  readonly hint: string | undefined;
  /** true when the code says the operation failed (>= 0x80 in MQTT 5, non-zero in a 3.1.1 CONNACK). */
  readonly failure: boolean;
  /** false when the code is not valid for this packet kind and version: a broker protocol violation. */
  readonly known: boolean;
}

type Text = readonly [meaning: string, hint?: string];
type Contexts = Partial<Record<PacketKind, Text>>;

const CONNACK_V3: Record<number, { name: string; text: Text }> = {
  0: { name: 'Connection Accepted', text: ['Connected.'] },
  1: {
    name: 'Connection Refused, unacceptable protocol version',
    text: [
      "The broker doesn't speak the MQTT version you asked for.",
      'Retry with -V 311, or -V 31 for very old brokers.',
    ],
  },
  2: {
    name: 'Connection Refused, identifier rejected',
    text: [
      'The broker rejected your client identifier.',
      'Use a short id of [0-9a-zA-Z] (brokers must accept 1-23 such characters) with -i; an empty id needs a clean session (drop -c).',
    ],
  },
  3: {
    name: 'Connection Refused, Server unavailable',
    text: [
      'The network connection worked, but the MQTT service is not taking connections.',
      'The broker is starting, overloaded or shutting down, or its auth backend is down: retry later and check the broker logs.',
    ],
  },
  4: {
    name: 'Connection Refused, bad user name or password',
    text: [
      'The user name or password was rejected.',
      'Check -u and the password source (-P, MQTT_TOOL_PASSWORD, --password-file; watch for a trailing newline).',
    ],
  },
  5: {
    name: 'Connection Refused, not authorized',
    text: [
      'The broker does not allow this client to connect.',
      'With credentials given, the likeliest cause is a wrong user name or password; without them, anonymous access is disabled: pass -u and a password. A client certificate or IP policy may also be required.',
    ],
  },
};

const WRONG_CREDENTIALS_HINT =
  'Check -u and the password source (-P, MQTT_TOOL_PASSWORD, --password-file; watch for a trailing newline), or an expired token.';

const V5: Record<number, { name: string; in: Contexts }> = {
  0x00: {
    name: 'Success',
    in: {
      connack: ['Connected.'],
      puback: ['The broker accepted the message.'],
      pubrec: ['The broker accepted the message.'],
      pubcomp: ['The QoS 2 exchange completed.'],
      unsuback: ['Unsubscribed.'],
      disconnect: ['Normal disconnection.'],
      suback: ['Subscribed with maximum QoS 0.'],
    },
  },
  0x01: { name: 'Granted QoS 1', in: { suback: ['Subscribed with maximum QoS 1.'] } },
  0x02: { name: 'Granted QoS 2', in: { suback: ['Subscribed with maximum QoS 2.'] } },
  0x04: {
    name: 'Disconnect with Will Message',
    in: { disconnect: ['The client disconnected and asked the broker to publish its will.'] },
  },
  0x10: {
    name: 'No matching subscribers',
    in: {
      puback: ['The broker accepted the message, but nobody is subscribed to the topic.'],
      pubrec: ['The broker accepted the message, but nobody is subscribed to the topic.'],
    },
  },
  0x11: { name: 'No subscription existed', in: { unsuback: ['There was no such subscription to remove.'] } },
  0x80: {
    name: 'Unspecified error',
    in: {
      connack: [
        'The broker refused without saying why.',
        'Read the reason string and the broker logs; `mqtt-tool diagnose` varies version, TLS and credentials.',
      ],
      puback: ['The broker refused the message without saying why.', 'Check the broker logs.'],
      pubrec: ['The broker refused the message without saying why.', 'Check the broker logs.'],
      suback: ['The broker refused the subscription without saying why.', 'Check the broker logs and ACL.'],
      unsuback: ['The broker refused to unsubscribe without saying why.', 'Check the broker logs.'],
      disconnect: ['The broker closed the connection without saying why.', 'Check the broker logs.'],
    },
  },
  0x81: {
    name: 'Malformed Packet',
    in: {
      connack: [
        "The broker couldn't parse our CONNECT.",
        'Try -V 311, drop optional MQTT 5 properties, or check for a proxy corrupting traffic.',
      ],
      disconnect: ['The broker received a packet it could not parse.', 'Report it with a --debug trace.'],
    },
  },
  0x82: {
    name: 'Protocol Error',
    in: {
      connack: [
        'The CONNECT was parsed but breaks a protocol rule.',
        'Drop optional MQTT 5 properties one at a time (auth data without method, will flags).',
      ],
      disconnect: ['The broker saw a protocol violation.', 'Report it with a --debug trace.'],
    },
  },
  0x83: {
    name: 'Implementation specific error',
    in: {
      connack: [
        'The CONNECT is valid, but this broker has its own reason to refuse it.',
        'Read the reason string and the broker documentation (a plugin or hook may have refused).',
      ],
      puback: ['The broker refused the message for its own reasons.', 'Read the reason string and broker logs.'],
      pubrec: ['The broker refused the message for its own reasons.', 'Read the reason string and broker logs.'],
      suback: ['The broker refused the subscription for its own reasons.', 'Read the reason string and broker logs.'],
      unsuback: ['The broker refused to unsubscribe for its own reasons.', 'Read the reason string and broker logs.'],
      disconnect: ['The broker closed the connection for its own reasons.', 'Read the reason string and broker logs.'],
    },
  },
  0x84: {
    name: 'Unsupported Protocol Version',
    in: { connack: ["The broker doesn't support the MQTT version requested.", 'Retry with -V 311.'] },
  },
  0x85: {
    name: 'Client Identifier not valid',
    in: {
      connack: [
        'The broker rejected the client identifier.',
        'Change or shorten -i, or use an allowed prefix; omit -i with a clean start to get an assigned identifier.',
      ],
    },
  },
  0x86: {
    name: 'Bad User Name or Password',
    in: { connack: ['The user name or password was rejected.', WRONG_CREDENTIALS_HINT] },
  },
  0x87: {
    name: 'Not authorized',
    in: {
      connack: [
        'The broker does not allow this client to connect.',
        'With credentials given, the likeliest cause is a wrong user name or password (some brokers answer 0x87 for that); without them, anonymous access is disabled: pass -u and a password.',
      ],
      puback: ['The broker refused to accept this publish.', 'The ACL does not allow this user to publish to the topic.'],
      pubrec: ['The broker refused to accept this publish.', 'The ACL does not allow this user to publish to the topic.'],
      suback: ['The broker refused this subscription.', 'The ACL does not allow this user to read the filter.'],
      unsuback: ['The broker refused to unsubscribe.', 'The ACL does not allow this operation.'],
      disconnect: ['The broker disconnected us: not authorized.', 'Check the ACL for this user.'],
    },
  },
  0x88: {
    name: 'Server unavailable',
    in: { connack: ['The broker is up but not serving MQTT now.', 'Retry later; check the broker or cluster health.'] },
  },
  0x89: {
    name: 'Server busy',
    in: {
      connack: ['The broker is overloaded.', 'Back off and retry; lower the connection rate.'],
      disconnect: ['The broker is overloaded and disconnected us.', 'Back off and retry.'],
    },
  },
  0x8a: {
    name: 'Banned',
    in: {
      connack: [
        'This client (id, user or address) is banned.',
        'Contact the broker administrator; do not retry in a loop.',
      ],
    },
  },
  0x8b: {
    name: 'Server shutting down',
    in: { disconnect: ['The broker is shutting down.', 'Reconnect later.'] },
  },
  0x8c: {
    name: 'Bad authentication method',
    in: {
      connack: [
        'The broker does not support the enhanced authentication method requested.',
        'Fix or remove the authentication method, or use a user name and password.',
      ],
      disconnect: ['The authentication method is not supported.', 'Use user name and password instead.'],
    },
  },
  0x8d: {
    name: 'Keep Alive timeout',
    in: {
      disconnect: [
        'The broker heard nothing from us within 1.5 x keepalive.',
        'The network stalled or the client was blocked; raise -k if the link is slow.',
      ],
    },
  },
  0x8e: {
    name: 'Session taken over',
    in: {
      disconnect: [
        'Another client connected with the same client identifier.',
        'Use a unique -i (or leave it out to get a random one).',
      ],
    },
  },
  0x8f: {
    name: 'Topic Filter invalid',
    in: {
      suback: ['The broker rejected the topic filter.', 'Check its syntax and length, and the ACL.'],
      unsuback: ['The broker rejected the topic filter.', 'Check its syntax and length.'],
      disconnect: ['The broker rejected a topic filter and disconnected.', 'Check the filter syntax.'],
    },
  },
  0x90: {
    name: 'Topic Name invalid',
    in: {
      connack: ['The broker does not accept the will topic.', 'Change --will-topic (ACL, $-prefix, length).'],
      puback: ['The broker does not accept this topic name.', 'Check the topic against the broker rules and ACL.'],
      pubrec: ['The broker does not accept this topic name.', 'Check the topic against the broker rules and ACL.'],
      disconnect: ['The broker rejected a topic name and disconnected.', 'Check the topic.'],
    },
  },
  0x91: {
    name: 'Packet Identifier in use',
    in: {
      puback: ['The packet identifier is already in use.', 'A client or session bug: report it.'],
      pubrec: ['The packet identifier is already in use.', 'A client or session bug: report it.'],
      suback: ['The packet identifier is already in use.', 'A client or session bug: report it.'],
      unsuback: ['The packet identifier is already in use.', 'A client or session bug: report it.'],
    },
  },
  0x92: {
    name: 'Packet Identifier not found',
    in: {
      pubcomp: [
        'The broker no longer knows this message: it lost its session state (a restart without persistence, or an expired session), so it cannot say whether the message was delivered.',
        'The message may or may not have arrived: check the subscribers, and send it again if a duplicate does no harm. Brokers keep QoS 2 state across restarts only with persistence (Mosquitto: persistence true).',
      ],
    },
  },
  0x93: {
    name: 'Receive Maximum exceeded',
    in: {
      disconnect: ['We had more unacknowledged messages in flight than the broker allows.', 'Lower the in-flight window.'],
    },
  },
  0x94: { name: 'Topic Alias invalid', in: { disconnect: ['A topic alias was misused.', 'Drop --topic-alias.'] } },
  0x95: {
    name: 'Packet too large',
    in: {
      connack: ['The CONNECT packet is too large.', 'Shrink the will payload or user properties.'],
      disconnect: ['A packet exceeded the maximum size.', `Send smaller payloads.${LIMITS}`],
    },
  },
  0x96: { name: 'Message rate too high', in: { disconnect: ['We published too fast.', `Publish more slowly.${LIMITS}`] } },
  0x97: {
    name: 'Quota exceeded',
    in: {
      connack: ['A broker limit was hit (connections or sessions per user).', 'Close other clients or ask for a larger quota.'],
      puback: ['A broker quota was exceeded.', `Publish less, or ask for a larger quota.${LIMITS}`],
      pubrec: ['A broker quota was exceeded.', `Publish less, or ask for a larger quota.${LIMITS}`],
      suback: ['A broker quota was exceeded.', 'Use fewer subscriptions.'],
      disconnect: ['A broker quota was exceeded.', 'Ask the administrator for a larger quota.'],
    },
  },
  0x98: { name: 'Administrative action', in: { disconnect: ['An administrator disconnected this client.', 'Contact the administrator.'] } },
  0x99: {
    name: 'Payload format invalid',
    in: {
      connack: ['The will payload is not valid UTF-8 although flagged so.', 'Fix the will payload encoding.'],
      puback: ['The payload does not match its payload format indicator.', 'Drop --payload-format-indicator or send UTF-8.'],
      pubrec: ['The payload does not match its payload format indicator.', 'Drop --payload-format-indicator or send UTF-8.'],
      disconnect: ['A payload did not match its format indicator.', 'Send valid UTF-8 or drop the indicator.'],
    },
  },
  0x9a: {
    name: 'Retain not supported',
    in: {
      connack: ['The broker does not support retained messages, and the will asks for retain.', 'Drop --will-retain.'],
      disconnect: ['The broker does not support retained messages.', `Drop -r.${LIMITS}`],
    },
  },
  0x9b: {
    name: 'QoS not supported',
    in: {
      connack: ['The will QoS is above the broker maximum.', 'Lower --will-qos.'],
      disconnect: ['A QoS above the broker maximum was used.', `Lower -q.${LIMITS}`],
    },
  },
  0x9c: {
    name: 'Use another server',
    in: {
      connack: ['The broker asks us to use another server for now.', 'Connect to the server reference shown, if any.'],
      disconnect: ['The broker asks us to use another server for now.', 'Connect to the server reference shown, if any.'],
    },
  },
  0x9d: {
    name: 'Server moved',
    in: {
      connack: ['The broker has moved permanently.', 'Update -h/-L to the server reference shown.'],
      disconnect: ['The broker has moved permanently.', 'Update -h/-L to the server reference shown.'],
    },
  },
  0x9e: {
    name: 'Shared Subscriptions not supported',
    in: {
      suback: ['The broker does not support shared subscriptions.', 'Remove the $share/ prefix.'],
      disconnect: ['The broker does not support shared subscriptions.', 'Remove the $share/ prefix.'],
    },
  },
  0x9f: {
    name: 'Connection rate exceeded',
    in: {
      connack: ['Too many connections too fast.', 'Slow down and add backoff; look for clients reconnecting in a loop.'],
      disconnect: ['Too many connections too fast.', 'Slow down.'],
    },
  },
  0xa0: { name: 'Maximum connect time', in: { disconnect: ['The broker limits how long a connection may last.', 'Reconnect.'] } },
  0xa1: {
    name: 'Subscription Identifiers not supported',
    in: {
      suback: ['The broker does not support subscription identifiers.', 'Subscribe without one.'],
      disconnect: ['The broker does not support subscription identifiers.', 'Subscribe without one.'],
    },
  },
  0xa2: {
    name: 'Wildcard Subscriptions not supported',
    in: {
      suback: ['The broker does not support wildcard subscriptions.', 'Subscribe without + or #.'],
      disconnect: ['The broker does not support wildcard subscriptions.', 'Subscribe without + or #.'],
    },
  },
};

/**
 * Mosquitto answers a PUBLISH above its message_size_limit with a PUBACK or PUBREC carrying 0x95,
 * a code MQTT 5 gives only to CONNACK and DISCONNECT. Its meaning is plain, so it is read as the
 * refusal it is, named as outside the specification.
 */
const PUBLISH_TOO_LARGE: Omit<ReasonInfo, 'code'> = {
  name: 'Packet too large',
  meaning: 'The broker refused the message as too large (with 0x95, which MQTT 5 reserves for CONNACK and DISCONNECT; Mosquitto does so above its message_size_limit).',
  hint: `Send smaller payloads.${LIMITS}`,
  failure: true,
  known: false,
};

export function formatCode(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

function unknown(code: number, kind: PacketKind, failure: boolean): ReasonInfo {
  return {
    code,
    name: `Unknown reason code ${formatCode(code)}`,
    meaning: `The broker sent a code that is not valid in a ${kind.toUpperCase()}; this is a broker protocol violation.`,
    hint: 'Note the broker product and version; with MQTT 3.1.1, -V 5 may give a reason string.',
    failure,
    known: false,
  };
}

/** Decode a CONNACK return code (3.1 / 3.1.1) or reason code (5). */
export function decodeConnack(version: ProtocolVersion, code: number): ReasonInfo {
  if (version !== 5) {
    const row = CONNACK_V3[code];
    if (row === undefined) return unknown(code, 'connack', code !== 0);
    return { code, name: row.name, meaning: row.text[0], hint: row.text[1], failure: code !== 0, known: true };
  }
  return decodeReason('connack', 5, code);
}

/** Decode the reason code of any MQTT 5 acknowledgement or DISCONNECT; in 3.1.1 only SUBACK carries one. */
export function decodeReason(kind: PacketKind, version: ProtocolVersion, code: number): ReasonInfo {
  if (kind === 'connack' && version !== 5) return decodeConnack(version, code);
  if (version !== 5) {
    if (kind === 'suback') {
      if (code <= 2) return { code, name: `Granted QoS ${code}`, meaning: `Subscribed with maximum QoS ${code}.`, hint: undefined, failure: false, known: true };
      if (code === 0x80) {
        return {
          code,
          name: 'Failure',
          meaning: 'The broker refused this subscription.',
          hint: 'The ACL does not allow this user to read the filter, or the filter is invalid.',
          failure: true,
          known: true,
        };
      }
    }
    return unknown(code, kind, code >= 0x80);
  }
  const row = V5[code];
  const text = row?.in[kind];
  if (code === 0x95 && (kind === 'puback' || kind === 'pubrec')) return { code, ...PUBLISH_TOO_LARGE };
  if (row === undefined || text === undefined) return unknown(code, kind, code >= 0x80);
  return { code, name: row.name, meaning: text[0], hint: text[1], failure: code >= 0x80, known: true };
}

/**
 * Refusals that a retry cannot fix: retrying them in a loop only gets a ban
 * extended (mosquitto #1056). Transient ones (server unavailable, busy, rate)
 * may be retried within the reconnect policy.
 */
export function isTransientConnackRefusal(version: ProtocolVersion, code: number): boolean {
  if (version !== 5) return code === 3;
  return code === 0x88 || code === 0x89 || code === 0x9c || code === 0x9f;
}

/**
 * Server DISCONNECT reasons after which reconnecting can help (shutting down, busy,
 * keepalive, temporary redirect, connect-time limit, rate). Everything else, above all
 * 0x8E Session taken over, would turn into a reconnect loop or a ban: exit instead.
 */
export function isTransientDisconnect(code: number): boolean {
  return [0x89, 0x8b, 0x8d, 0x96, 0x9c, 0x9f, 0xa0].includes(code);
}
