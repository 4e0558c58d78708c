/**
 * `-D COMMAND PROPERTY VALUE`: MQTT 5 properties by packet, spelled as mosquitto's clients spell them
 * (`-D connect receive-maximum 10`, `-D publish user-property key value`). Pure: the flat list of
 * words commander collected in, checked properties per packet out.
 */
import { UsageError } from '../errors.js';
import { closest } from '../io/suggest.js';
import { requireTopicName } from '../protocol/topics.js';

export const PROPERTY_COMMANDS = ['connect', 'publish', 'subscribe', 'unsubscribe', 'disconnect', 'will'] as const;
export type PropertyCommand = (typeof PROPERTY_COMMANDS)[number];

type Kind = 'u8' | 'bool' | 'u16' | 'u32' | 'varint' | 'string' | 'binary' | 'topic' | 'pair';

interface PropertyDef {
  /** The MQTT.js / mqtt-packet property name. */
  readonly key: string;
  readonly kind: Kind;
  readonly in: readonly PropertyCommand[];
}

const DEFS: Record<string, PropertyDef> = {
  'authentication-data': { key: 'authenticationData', kind: 'binary', in: ['connect'] },
  'authentication-method': { key: 'authenticationMethod', kind: 'string', in: ['connect'] },
  'content-type': { key: 'contentType', kind: 'string', in: ['publish', 'will'] },
  'correlation-data': { key: 'correlationData', kind: 'binary', in: ['publish', 'will'] },
  'maximum-packet-size': { key: 'maximumPacketSize', kind: 'u32', in: ['connect'] },
  'message-expiry-interval': { key: 'messageExpiryInterval', kind: 'u32', in: ['publish', 'will'] },
  'payload-format-indicator': { key: 'payloadFormatIndicator', kind: 'bool', in: ['publish', 'will'] },
  'receive-maximum': { key: 'receiveMaximum', kind: 'u16', in: ['connect'] },
  'request-problem-information': { key: 'requestProblemInformation', kind: 'bool', in: ['connect'] },
  'request-response-information': { key: 'requestResponseInformation', kind: 'bool', in: ['connect'] },
  'response-topic': { key: 'responseTopic', kind: 'topic', in: ['publish', 'will'] },
  'session-expiry-interval': { key: 'sessionExpiryInterval', kind: 'u32', in: ['connect', 'disconnect'] },
  'subscription-identifier': { key: 'subscriptionIdentifier', kind: 'varint', in: ['subscribe'] },
  'topic-alias': { key: 'topicAlias', kind: 'u16', in: ['publish'] },
  'topic-alias-maximum': { key: 'topicAliasMaximum', kind: 'u16', in: ['connect'] },
  'user-property': { key: 'userProperties', kind: 'pair', in: ['connect', 'publish', 'subscribe', 'unsubscribe', 'disconnect', 'will'] },
  'will-delay-interval': { key: 'willDelayInterval', kind: 'u32', in: ['will'] },
};
export const PROPERTY_NAMES = Object.keys(DEFS);

export type PropertyValue = number | boolean | string | Buffer | Record<string, string[]>;
export type PropertySet = Partial<Record<PropertyCommand, Record<string, PropertyValue>>>;

const RANGES: Partial<Record<Kind, [number, number]>> = { u8: [0, 255], u16: [1, 65_535], u32: [0, 0xffffffff], varint: [1, 268_435_455] };

function value(def: PropertyDef, name: string, raw: string): PropertyValue {
  const where = `-D ... ${name} '${raw}'`;
  switch (def.kind) {
    case 'bool':
      if (raw === '0' || raw === '1') return raw === '1';
      throw new UsageError(`${where}: expected 0 or 1`);
    case 'string':
      return raw;
    case 'binary':
      return Buffer.from(raw, 'utf8');
    case 'topic':
      requireTopicName(raw, where);
      return raw;
    default: {
      const [min, max] = RANGES[def.kind] as [number, number];
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= min && n <= max)) throw new UsageError(`${where}: expected a whole number from ${min} to ${max}`);
      return n;
    }
  }
}

/**
 * The words after each -D, all -D's in order: COMMAND PROPERTY VALUE, or COMMAND user-property KEY VALUE.
 * `sends` lists the packets this command sends; a property for any other is a usage error.
 */
export function parseProperties(words: readonly string[], sends: readonly PropertyCommand[], commandName: string): PropertySet {
  const out: PropertySet = {};
  let i = 0;
  while (i < words.length) {
    const command = words[i] as string;
    const name = words[i + 1];
    if (!(PROPERTY_COMMANDS as readonly string[]).includes(command)) {
      const near = closest(command, PROPERTY_COMMANDS);
      throw new UsageError(`-D: unknown packet '${command}'${near === undefined ? '' : ` (did you mean ${near}?)`}`, { hint: `-D COMMAND PROPERTY VALUE, COMMAND one of ${PROPERTY_COMMANDS.join(', ')}.` });
    }
    if (name === undefined) throw new UsageError(`-D ${command}: a property name and value are missing`);
    const def = DEFS[name];
    if (def === undefined) {
      const near = closest(name, PROPERTY_NAMES);
      throw new UsageError(`-D ${command}: unknown property '${name}'${near === undefined ? '' : ` (did you mean ${near}?)`}`, { hint: `Properties: ${PROPERTY_NAMES.join(', ')}.` });
    }
    const cmd = command as PropertyCommand;
    if (!def.in.includes(cmd)) throw new UsageError(`-D ${command} ${name}: ${name} is not a ${command} property (it belongs to ${def.in.join(', ')})`);
    if (!sends.includes(cmd)) throw new UsageError(`-D ${command}: ${commandName} sends no ${cmd === 'will' ? 'will (add --will-topic)' : cmd.toUpperCase()}`);
    const props = (out[cmd] ??= {});
    if (def.kind === 'pair') {
      const k = words[i + 2];
      const v = words[i + 3];
      if (k === undefined || v === undefined) throw new UsageError(`-D ${command} user-property needs a key and a value`);
      const pairs = (props[def.key] ??= {}) as Record<string, string[]>;
      (pairs[k] ??= []).push(v);
      i += 4;
      continue;
    }
    const raw = words[i + 2];
    if (raw === undefined) throw new UsageError(`-D ${command} ${name} needs a value`);
    if (props[def.key] !== undefined) throw new UsageError(`-D ${command} ${name} given twice`);
    props[def.key] = value(def, name, raw);
    i += 3;
  }
  return out;
}

/** Adds -D properties of one packet to properties set by their own flags; the same property from both is a usage error. */
export function mergeProperties<T extends Record<string, unknown>>(fromFlags: T | undefined, fromD: Record<string, PropertyValue> | undefined, packet: PropertyCommand): T | undefined {
  if (fromD === undefined) return fromFlags;
  const merged: Record<string, unknown> = { ...fromFlags };
  for (const [key, v] of Object.entries(fromD)) {
    if (key === 'userProperties') {
      const into = { ...((merged[key] as Record<string, string | string[]> | undefined) ?? {}) };
      for (const [k, vs] of Object.entries(v as Record<string, string[]>)) {
        const before = into[k];
        into[k] = [...(before === undefined ? [] : typeof before === 'string' ? [before] : before), ...vs];
      }
      merged[key] = into;
    } else if (merged[key] !== undefined) {
      throw new UsageError(`-D ${packet} sets ${key}, which another flag sets already: give one`);
    } else merged[key] = v;
  }
  return merged as T;
}
