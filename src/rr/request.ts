/**
 * One MQTT 5 request/response exchange on an open session: subscribe to the response topic,
 * publish the request with that response topic and a correlation, print the first message
 * that carries the correlation back.
 */
import type { Writable } from 'node:stream';
import type { IPublishPacket } from 'mqtt';
import { refusedError } from '../connection/explain.js';
import type { Session } from '../connection/session.js';
import { TimeoutError, type CliError } from '../errors.js';
import { toReceivedMessage, type Formatter } from '../io/format.js';
import { onInterrupt } from '../io/signals.js';
import { BatchedWriter } from '../io/writer.js';
import { latch } from '../latch.js';
import type { Mqtt5Properties } from '../protocol/spec.js';
import type { Qos } from '../protocol/types.js';

export interface Request {
  readonly topic: string;
  readonly responseTopic: string;
  readonly payload: Buffer;
  readonly qos: Qos;
  /** Sent in the request; the response must carry it back. */
  readonly correlation: Buffer;
  /** The request's PUBLISH properties: the response topic and correlation data with any -D publish ones. */
  readonly publishProperties: Mqtt5Properties | undefined;
  readonly subscribeProperties: Mqtt5Properties | undefined;
  /** -W: seconds to wait for the response. */
  readonly timeoutS: number | undefined;
}

export async function requestResponse(session: Session, r: Request, format: Formatter, out: Writable): Promise<void> {
  const end = latch<CliError | undefined>();
  const writer = new BatchedWriter(out, () => end.fire(undefined));
  const dispose = onInterrupt(() => end.fire(undefined));
  let sessionEnded = false;
  void session.ended.then((err) => {
    sessionEnded = true;
    end.fire(err);
  });
  session.client.handleMessage = (packet: IPublishPacket, done: () => void): void => {
    const cd = packet.properties?.correlationData;
    if (!end.fired && cd !== undefined && Buffer.from(cd).equals(r.correlation)) {
      void writer.write(format(toReceivedMessage(packet, Date.now())));
      end.fire(undefined);
    }
    done();
  };
  const timer = r.timeoutS === undefined ? undefined : setTimeout(() => end.fire(new TimeoutError(`-W ${r.timeoutS}: no response on '${r.responseTopic}' in time`)), r.timeoutS * 1000);
  try {
    session.client.subscribe(r.responseTopic, { qos: r.qos, ...(r.subscribeProperties === undefined ? {} : { properties: r.subscribeProperties as never }) }, (err, granted) => {
      const code = granted?.[0]?.qos ?? 0;
      if (code >= 0x80 || (err !== null && err !== undefined)) {
        end.fire(refusedError(`subscription to '${r.responseTopic}'`, 'suback', 5, code));
        return;
      }
      session.client.publish(r.topic, r.payload, { qos: r.qos, properties: r.publishProperties as never }, (pubErr?: Error) => {
        const c = (pubErr as { code?: unknown } | undefined)?.code;
        if (typeof c === 'number' && c >= 0x80) end.fire(refusedError(`request to '${r.topic}'`, r.qos === 2 ? 'pubrec' : 'puback', 5, c));
      });
    });
    const result = await end.promise;
    await writer.end();
    // mqtt-tool decides to stop (an answer, -W, a refusal): DISCONNECT, so no will is published.
    if (sessionEnded) session.client.end(true);
    else await session.close();
    if (result !== undefined) throw result;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    dispose();
  }
}
