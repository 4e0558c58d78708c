/** `mqtt-tool rr`: MQTT 5 request/response, like mosquitto_rr. */
import { randomBytes } from 'node:crypto';
import type { IPublishPacket } from 'mqtt';
import { connect } from '../connection/session.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { resolveConnection } from '../setup/resolve.js';
import { mergeProperties, parseProperties } from '../setup/properties.js';
import { pickPayloadSource, readPayload, type PayloadFlags } from '../io/payload.js';
import { requireTopicFilter, requireTopicName } from '../protocol/topics.js';
import type { Qos } from '../protocol/types.js';
import { TimeoutError, UsageError, type CliError } from '../errors.js';
import { chooseFormat, type OutputFlags } from './output-flags.js';
import { toReceivedMessage } from '../io/format.js';
import { onInterrupt } from '../io/signals.js';
import { createTerminal } from '../io/terminal.js';
import { BatchedWriter } from '../io/writer.js';
import { refusedError } from '../connection/explain.js';

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
  const session = await connect(connection.spec, { notice: term.notice, webSocket: connection.webSocket, socks: connection.socks, needsMqtt5: 'request/response (response topic and correlation data)' });
  const correlation = randomBytes(16);
  const qos = flags.qos ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const dispose = onInterrupt(() => finish(undefined));
  let finish: (err: CliError | undefined) => void = () => {};
  const writer = new BatchedWriter(process.stdout, () => finish(undefined));
  const finished = new Promise<CliError | undefined>((resolve) => {
    finish = resolve;
  });
  void session.ended.then((err) => finish(err));
  session.client.handleMessage = (packet: IPublishPacket, done: () => void): void => {
    const cd = packet.properties?.correlationData;
    if (cd !== undefined && Buffer.from(cd).equals(correlation)) {
      void writer.write(format(toReceivedMessage(packet, Date.now())));
      finish(undefined);
    }
    done();
  };
  try {
    session.client.subscribe(flags.responseTopic, { qos, ...(d.subscribe === undefined ? {} : { properties: d.subscribe as never }) }, (err, granted) => {
      const code = granted?.[0]?.qos ?? 0;
      if (code >= 0x80 || (err !== null && err !== undefined)) {
        finish(refusedError(`subscription to '${flags.responseTopic}'`, 'suback', 5, code));
        return;
      }
      session.client.publish(
        topic,
        payload,
        { qos, properties: mergeProperties({ responseTopic: flags.responseTopic, correlationData: correlation }, d.publish, 'publish') },
        (pubErr?: Error) => {
          const c = (pubErr as { code?: unknown } | undefined)?.code;
          if (typeof c === 'number' && c >= 0x80) {
            finish(refusedError(`request to '${topic}'`, qos === 2 ? 'pubrec' : 'puback', 5, c));
          }
        },
      );
    });
    if (flags.timeout !== undefined) {
      const seconds = flags.timeout;
      timer = setTimeout(() => finish(new TimeoutError(`-W ${seconds}: no response on '${flags.responseTopic}' in time`)), seconds * 1000);
    }
    const result = await finished;
    await writer.end();
    if (result === undefined) await session.close();
    else session.client.end(true);
    if (result !== undefined) throw result;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    dispose();
    await connection.release();
  }
}
