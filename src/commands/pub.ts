/** `mqtt-tool pub`: flags and the payload source in, a publish run on the session (src/pub/). */
import type { IClientPublishOptions } from 'mqtt';
import { resolveConnection } from '../setup/resolve.js';
import { pickPayloadSource, readPayload, type PayloadFlags } from '../io/payload.js';
import { connect } from '../connection/session.js';
import { rebuildForVersion } from '../connection/version-fallback.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import type { AckTap } from '../connection/ack-tap.js';
import { requireTopicName } from '../protocol/topics.js';
import { checkFieldLength, userPropertyMap } from '../cli/values.js';
import type { ProtocolVersion, Qos } from '../protocol/types.js';
import { UsageError } from '../errors.js';
import { v5OnlyRemedy } from './mqtt5-flags.js';
import { createTerminal } from '../io/terminal.js';
import type { CodecSpec } from '../codecs/spec.js';
import { loadCodec } from '../setup/codecs.js';
import { mergeProperties, parseProperties, type PropertyValue } from '../setup/properties.js';
import { encodeWith, MAX_JSONL_LINE, recordPreparer, type SchemalessEncoding } from '../pub/records.js';
import { publishOnSession, type PublishSource } from '../pub/run.js';

export interface PubFlags extends ConnectionFlags, PayloadFlags {
  topic?: string;
  qos?: Qos;
  retain?: boolean;
  repeat?: number;
  repeatDelay?: number;
  maxInflight?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: string;
  messageExpiry?: number;
  payloadFormatIndicator?: boolean;
  topicAlias?: number;
  userProperty?: Array<[string, string]>;
  ackTimeout?: number;
  strictQos?: boolean;
  encode?: CodecSpec;
  property?: string[];
  replay?: boolean;
  replaySpeed?: number;
  embedded?: boolean;
  color: boolean;
}

const V5_ONLY: Array<[keyof PubFlags, string]> = [
  ['contentType', '--content-type'],
  ['responseTopic', '--response-topic'],
  ['correlationData', '--correlation-data'],
  ['messageExpiry', '--message-expiry'],
  ['payloadFormatIndicator', '--payload-format-indicator'],
  ['topicAlias', '--topic-alias'],
  ['userProperty', '--user-property'],
];

/** The publish options of the flags; `fromD` are -D publish properties, added to those of their own flags. */
export function publishOptions(flags: PubFlags, version: ProtocolVersion, fellBack = false, fromD?: Record<string, PropertyValue>): IClientPublishOptions & { qos: Qos } {
  const opts: IClientPublishOptions & { qos: Qos } = { qos: flags.qos ?? 0, retain: flags.retain === true };
  if (version !== 5) {
    const used = V5_ONLY.find(([key]) => flags[key] !== undefined);
    if (used !== undefined) throw new UsageError(`${used[1]} needs MQTT 5; ${v5OnlyRemedy(fellBack)}`);
    if (fromD !== undefined) throw new UsageError('-D publish properties need MQTT 5: drop -V 311, or the -D options');
    return opts;
  }
  const props: NonNullable<IClientPublishOptions['properties']> = {};
  if (flags.contentType !== undefined) checkFieldLength('--content-type', flags.contentType);
  if (flags.correlationData !== undefined) checkFieldLength('--correlation-data', flags.correlationData);
  for (const [k, v] of flags.userProperty ?? []) {
    checkFieldLength('a --user-property name', k);
    checkFieldLength('a --user-property value', v);
  }
  if (flags.contentType !== undefined) props.contentType = flags.contentType;
  if (flags.responseTopic !== undefined) {
    requireTopicName(flags.responseTopic, '--response-topic');
    props.responseTopic = flags.responseTopic;
  }
  if (flags.correlationData !== undefined) props.correlationData = Buffer.from(flags.correlationData, 'utf8');
  if (flags.messageExpiry !== undefined) props.messageExpiryInterval = flags.messageExpiry;
  if (flags.payloadFormatIndicator === true) props.payloadFormatIndicator = true;
  if (flags.topicAlias !== undefined) props.topicAlias = flags.topicAlias;
  if (flags.userProperty !== undefined) props.userProperties = userPropertyMap(flags.userProperty);
  const merged = mergeProperties(props, fromD, 'publish') ?? {};
  if (Object.keys(merged).length > 0) opts.properties = merged;
  return opts;
}

/** --ack-timeout's default: how long an acknowledgement may take once the message is written. */
export const DEFAULT_ACK_TIMEOUT_S = 30;

export async function runPub(flags: PubFlags): Promise<void> {
  const term = createTerminal(flags.color);
  const source = pickPayloadSource(flags, true);
  const lineMode = source.kind === 'lines' || source.kind === 'jsonl';
  checkRecordFlags(flags, source.kind === 'jsonl');
  const d = parseProperties(flags.property ?? [], flags.willTopic === undefined ? ['connect', 'publish', 'disconnect'] : ['connect', 'publish', 'disconnect', 'will'], 'pub');
  if (d.publish !== undefined && source.kind === 'jsonl') throw new UsageError("--jsonl takes each message's MQTT 5 properties from its line: drop -D publish");
  const connection = await resolveConnection({ ...flags, mqtt5Properties: d }, term, { longRunning: lineMode, embedded: flags.embedded === true });
  try {
    // --jsonl: every line names its topic.
    const topic = source.kind === 'jsonl' ? '' : (flags.topic ?? connection.spec.urlTopic);
    if (topic === undefined) throw new UsageError('no topic: give -t TOPIC (or a topic in the -L URL)');
    if (source.kind !== 'jsonl') requireTopicName(topic, 'topic');
    const asked = connection.spec.protocolVersion;
    const opts = publishOptions(flags, asked, false, d.publish);
    if (flags.repeat !== undefined && lineMode) throw new UsageError(`--repeat cannot be combined with ${source.kind === 'jsonl' ? '--jsonl' : '-l'}`);
    const codec = flags.encode === undefined ? undefined : loadCodec(flags.encode, '--encode');
    if (codec !== undefined && source.kind === 'null') throw new UsageError('--encode has nothing to encode in -n (a zero-length message)');
    const payload = source.kind === 'lines' || source.kind === 'jsonl' ? undefined : encodeWith(codec, await readPayload(source), source.kind === 'message' ? '-m' : source.kind === 'file' ? '-f' : '-s');

    const ackTap: AckTap = { handler: undefined };
    const session = await connect(connection.spec, {
      notice: term.notice,
      ackTap,
      webSocket: connection.webSocket,
      socks: connection.socks,
      needsMqtt5: flags.property === undefined ? undefined : '-D (MQTT 5 properties)',
      // A QoS 1/2 stream keeps its session across reconnects: a message cut off between PUBREC and PUBCOMP
      // must not be lost with it. --jsonl lines carry their own QoS.
      keepSession: lineMode && (flags.qos ?? (source.kind === 'jsonl' ? 2 : 0)) > 0,
    });
    const template = await rebuildForVersion(session, asked, opts, (v) => publishOptions(flags, v, true, d.publish));
    const retain = template.retain === true;
    const what: PublishSource =
      payload !== undefined
        ? { kind: 'message', topic, payload, count: flags.repeat ?? 1, delayMs: (flags.repeatDelay ?? 0) * 1000 }
        : source.kind === 'jsonl'
          ? {
              kind: 'lines',
              input: process.stdin,
              windowQos: flags.qos ?? 2,
              maxLine: () => MAX_JSONL_LINE,
              prepare: (pub) => {
                const replaySpeed = flags.replay === true || flags.replaySpeed !== undefined ? (flags.replaySpeed ?? 1) : undefined;
                const options = { qos: flags.qos, replaySpeed, codec, loadCodec: (kind: SchemalessEncoding) => loadCodec({ kind }, '--encode') };
                return recordPreparer(options, pub, session.spec.protocolVersion, term);
              },
            }
          : {
              kind: 'lines',
              input: process.stdin,
              windowQos: template.qos,
              maxLine: (pub) => pub.maxPayload(topic, template.qos),
              prepare: () => (line, n) => ({ topic, payload: encodeWith(codec, line, `-l line ${n}`), qos: template.qos, retain, properties: undefined, dueMs: undefined }),
            };
    const run = {
      template: { qos: template.qos, retain, properties: template.properties },
      maxInflight: flags.maxInflight,
      ackTimeoutS: flags.ackTimeout ?? DEFAULT_ACK_TIMEOUT_S,
      strictQos: flags.strictQos === true,
      debug: flags.debug === true,
    };
    await publishOnSession(session, ackTap, what, run, term);
  } finally {
    await connection.release();
  }
}

/** Flags that --jsonl's lines replace, and the replay flags that need --jsonl. */
function checkRecordFlags(flags: PubFlags, jsonl: boolean): void {
  if (!jsonl) {
    if (flags.replay === true || flags.replaySpeed !== undefined) throw new UsageError(`${flags.replay === true ? '--replay' : '--replay-speed'} replays --jsonl input: add --jsonl`);
    return;
  }
  if (flags.topic !== undefined) throw new UsageError('--jsonl takes each message\'s topic from its line: drop -t');
  if (flags.retain === true) throw new UsageError('--jsonl takes each message\'s retain flag from its line: drop -r');
  const property = V5_ONLY.find(([key]) => flags[key] !== undefined);
  if (property !== undefined) throw new UsageError(`--jsonl takes each message's MQTT 5 properties from its line: drop ${property[1]}`);
}
