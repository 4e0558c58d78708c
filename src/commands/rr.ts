/** `mqtt-tool rr`: MQTT 5 request/response, like mosquitto_rr: flags in, one exchange (src/rr/). */
import { randomBytes } from 'node:crypto';
import { connect } from '../connection/session.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { resolveConnection } from '../setup/resolve.js';
import { mergeProperties, parseProperties } from '../setup/properties.js';
import { pickPayloadSource, readPayload, type PayloadFlags } from '../io/payload.js';
import { requireTopicFilter, requireTopicName } from '../protocol/topics.js';
import type { Qos } from '../protocol/types.js';
import { UsageError } from '../errors.js';
import { requestResponse } from '../rr/request.js';
import { chooseFormat, type OutputFlags } from './output-flags.js';
import { createTerminal } from '../io/terminal.js';

export interface RrFlags extends ConnectionFlags, OutputFlags, PayloadFlags {
  topic?: string;
  responseTopic?: string;
  qos?: Qos;
  timeout?: number;
  property?: string[];
  embedded?: boolean;
  color: boolean;
}

export async function runRr(flags: RrFlags): Promise<void> {
  const term = createTerminal(flags.color);
  if (flags.responseTopic === undefined) throw new UsageError('no response topic: give -e TOPIC');
  requireTopicFilter(flags.responseTopic, 'response topic');
  const format = chooseFormat(flags, term);
  const source = pickPayloadSource(flags, false);
  // rr has no -l or --jsonl, so the source is always a single message.
  const payload = await readPayload(source as Exclude<typeof source, { kind: 'lines' | 'jsonl' }>);
  const d = parseProperties(flags.property ?? [], ['connect', 'publish', 'subscribe', 'disconnect', ...(flags.willTopic === undefined ? [] : ['will' as const])], 'rr');
  const connection = await resolveConnection({ ...flags, mqtt5Properties: d }, term, { longRunning: false, embedded: flags.embedded === true });
  const topic = flags.topic ?? connection.spec.urlTopic;
  if (topic === undefined) throw new UsageError('no request topic: give -t TOPIC (or a topic in the -L URL)');
  requireTopicName(topic, 'request topic');
  // Checked on the resolved spec: a profile can set the version too.
  if (connection.spec.protocolVersion !== 5) {
    throw new UsageError(`rr needs MQTT 5 (response topic and correlation data); ${flags.protocolVersion === undefined ? 'the profile sets' : '-V asks for'} an older version`, {
      hint: flags.protocolVersion === undefined ? 'Drop protocolVersion from the profile, or pass -V 5.' : 'Drop -V.',
    });
  }
  try {
    const session = await connect(connection.spec, { notice: term.notice, webSocket: connection.webSocket, socks: connection.socks, needsMqtt5: 'request/response (response topic and correlation data)' });
    const correlation = randomBytes(16);
    const request = {
      topic,
      responseTopic: flags.responseTopic,
      payload,
      qos: flags.qos ?? 0,
      correlation,
      publishProperties: mergeProperties({ responseTopic: flags.responseTopic, correlationData: correlation }, d.publish, 'publish'),
      subscribeProperties: d.subscribe,
      timeoutS: flags.timeout,
    };
    await requestResponse(session, request, format, process.stdout);
  } finally {
    await connection.release();
  }
}
