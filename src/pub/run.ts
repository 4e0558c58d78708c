/**
 * One `pub` run on an open session: publish what the source gives, in order, within the window;
 * wait for every acknowledgement (bounded); end with DISCONNECT whenever the link is still up, so
 * the broker publishes the will only when the link or the process really failed.
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AckTap } from '../connection/ack-tap.js';
import { defaultWindow, FastPublisher, type PublishTemplate } from '../connection/fast-publisher.js';
import { describePacket } from '../connection/packet-log.js';
import type { Session } from '../connection/session.js';
import { NetworkError, RejectedError, TimeoutError, type CliError } from '../errors.js';
import { onInterrupt } from '../io/signals.js';
import type { Terminal } from '../io/terminal.js';
import { latch } from '../latch.js';
import { describeEndpoint } from '../protocol/endpoint.js';
import type { Qos } from '../protocol/types.js';
import { brokerLimits, checkTopicAlias } from './limits.js';
import type { Outgoing } from './records.js';
import { publishLines } from './stdin.js';

export interface PublishRunOptions {
  /** The publish options every message shares (QoS, retain, MQTT 5 properties). */
  readonly template: Omit<PublishTemplate, 'topic'>;
  /** -M; undefined: the default window. */
  readonly maxInflight: number | undefined;
  readonly ackTimeoutS: number;
  /** --strict-qos: a broker that takes QoS 2 at QoS 1 is an error, not a warning. */
  readonly strictQos: boolean;
  readonly debug: boolean;
}

/** What to publish: one message (-m, -f, -s, -n), maybe repeated, or the lines of a stream (-l, --jsonl). */
export type PublishSource =
  | { readonly kind: 'message'; readonly topic: string; readonly payload: Buffer; readonly count: number; readonly delayMs: number }
  | {
      readonly kind: 'lines';
      readonly input: Readable;
      /** The QoS the window is sized for (--jsonl lines carry their own). */
      readonly windowQos: Qos;
      readonly maxLine: (pub: FastPublisher) => number;
      readonly prepare: (pub: FastPublisher) => (line: Buffer, n: number) => Outgoing;
    };

const GRACE_MS = 5_000;
/** Short-lived connections in a row before pub stops sending the same window into the same refusal. */
const FRUITLESS_RECONNECTS = 3;

/** A broker without QoS 2 answered a QoS 2 PUBLISH with PUBACK. */
function downgradeError(strict: boolean): RejectedError {
  return new RejectedError(
    'the broker answered QoS 2 with PUBACK: it takes these messages at QoS 1 (at least once, duplicates possible), not exactly once',
    { hint: strict ? 'This broker has no QoS 2: drop --strict-qos to accept QoS 1, or use a broker with QoS 2.' : undefined },
  );
}

/** How the messages fared, as the error pub exits with (undefined: all confirmed). */
function outcome(pub: FastPublisher, ended: CliError | undefined, interrupted: boolean): CliError | undefined {
  const { sent, completed, rejected, unconfirmed: released } = pub.stats;
  const unconfirmed = sent - completed - rejected - released;
  const counted = (first: RejectedError, n: number, what: string): RejectedError =>
    n > 1 ? new RejectedError(`${first.message}; ${n} of ${sent} messages ${what}`, { hint: first.hint }) : first;
  if (pub.firstRejection !== undefined) return counted(pub.firstRejection, rejected, 'refused');
  if (pub.firstUnconfirmed !== undefined) return counted(pub.firstUnconfirmed, released, 'not confirmed');
  if (unconfirmed > 0) {
    const msg = `${unconfirmed} of ${sent} messages were not acknowledged`;
    if (ended !== undefined) return new NetworkError(`${ended.message}; ${msg}`, { hint: ended.hint });
    if (interrupted) return new TimeoutError(`interrupted: ${msg} within the grace period`);
    return new NetworkError(msg);
  }
  return ended;
}

export async function publishOnSession(session: Session, ackTap: AckTap, source: PublishSource, o: PublishRunOptions, term: Terminal): Promise<void> {
  const version = session.spec.protocolVersion;
  /** The run must stop early: an acknowledgement that never came, or a QoS downgrade under --strict-qos. */
  const aborted = latch<CliError>();
  /** The first Ctrl-C / SIGTERM. */
  const interrupted = latch();
  /** The session ended by itself (lost for good, or the broker's DISCONNECT). */
  const ended = latch<CliError | undefined>();
  let stopInput: () => void = () => {};
  const abort = (err: CliError): void => {
    aborted.fire(err);
    stopInput();
  };
  const windowQos = source.kind === 'lines' ? source.windowQos : o.template.qos;
  const pub = new FastPublisher(session.client, version, defaultWindow(version, windowQos, o.maxInflight, 1000, session.connack.properties?.receiveMaximum), {
    template: o.template,
    tap: ackTap,
    log: o.debug ? (sent) => term.notice(`--> ${describePacket(sent)}`) : undefined,
    onDowngrade: () => {
      if (o.strictQos) abort(downgradeError(true));
      else term.warn(downgradeError(false).message);
    },
  });
  const ackTimeoutMs = o.ackTimeoutS * 1000;
  const watchdog = setInterval(() => {
    if (pub.shortLivedConnections >= FRUITLESS_RECONNECTS) {
      abort(
        new NetworkError(`${describeEndpoint(session.spec)} dropped the connection ${FRUITLESS_RECONNECTS} times in a row within a second of accepting it, with ${pub.inFlight} messages in flight`, {
          hint: `The broker may limit unacknowledged messages per client (Mosquitto: 20 at QoS 2 under MQTT 3.1.1, max_inflight_messages): lower -M (it is ${pub.window}).`,
        }),
      );
      return;
    }
    if (!session.client.connected) return;
    const stall = pub.stalled(ackTimeoutMs);
    if (stall !== undefined) {
      abort(
        new TimeoutError(`no ${stall.waitingFor} for message id ${stall.id} (topic '${stall.topic}') within ${ackTimeoutMs / 1000} s`, {
          hint: 'The broker took the message but never acknowledged it: check its log. Raise --ack-timeout for a broker that is only slow.',
        }),
      );
    }
  }, Math.min(1_000, ackTimeoutMs / 4));
  /** The longest the acknowledgements are awaited after an interruption. */
  const graceOver = interrupted.promise.then(() => sleep(GRACE_MS, undefined, { ref: false }));
  const disposeSignals = onInterrupt(() => {
    const waiting = pub.inFlight;
    if (waiting > 0) term.notice(`interrupted: waiting up to ${GRACE_MS / 1000} s for the acknowledgement of ${waiting} message${waiting === 1 ? '' : 's'} (again to quit now)`);
    interrupted.fire();
    stopInput();
  });
  void session.ended.then((err) => {
    ended.fire(err);
    stopInput();
  });
  const stopped = (): boolean => interrupted.fired || ended.fired || aborted.fired;
  let unconfirmedQos0 = false;
  /** A bad line of input: reading stops, what was sent is still acknowledged, then pub exits with it. */
  let inputError: CliError | undefined;
  try {
    const alias = o.template.properties?.topicAlias;
    if (alias !== undefined) checkTopicAlias(session, alias);
    if (source.kind === 'lines') {
      inputError = await publishLines(session, pub, source.input, source.maxLine(pub), source.prepare(pub), (stop) => (stopInput = stop), () => ended.fired);
    } else {
      const { topic, payload, count, delayMs } = source;
      brokerLimits(session, pub, topic, o.template)(payload.length);
      for (let i = 0; i < count && !stopped(); i++) {
        if (i > 0 && delayMs > 0) await Promise.race([sleep(delayMs, undefined, { ref: false }), interrupted.promise, aborted.promise]);
        await Promise.race([pub.room(), interrupted.promise, session.ended, aborted.promise]);
        if (stopped()) break;
        pub.publish(topic, payload, o.template.qos, o.template.retain);
      }
    }
    await Promise.race([pub.drained(), session.ended, graceOver, aborted.promise]);
    if (o.template.qos === 0 && pub.stats.sent > 0 && !stopped()) {
      // QoS 0 has no acknowledgement. A PINGREQ after the last message is answered once the broker has
      // read them all, unless it closes the connection first (over an oversize packet on MQTT 3.1.1, say).
      const read = await Promise.race([pub.brokerHasRead(), session.ended.then(() => false), sleep(ackTimeoutMs, 'timeout' as const, { ref: false })]);
      if (read === 'timeout') {
        aborted.fire(
          new TimeoutError(`no PINGRESP within ${ackTimeoutMs / 1000} s: the broker did not confirm it read the QoS 0 messages`, {
            hint: 'The broker or the link stalled; QoS 0 messages may be lost. Raise --ack-timeout for a broker that is only slow.',
          }),
        );
      } else if (!read && !ended.fired) unconfirmedQos0 = true;
    }
  } catch (err) {
    await endSession(session, ended.fired);
    throw err;
  } finally {
    clearInterval(watchdog);
    disposeSignals();
  }
  const failure =
    inputError ??
    aborted.value ??
    outcome(pub, ended.value, interrupted.fired) ??
    (unconfirmedQos0
      ? new NetworkError(`${describeEndpoint(session.spec)} closed the connection before confirming it had read every message`, {
          hint: 'QoS 0 messages are not acknowledged, so some may be lost. A broker drops the connection over a packet above its size limit or a protocol error: check its log, or use -q 1 to have every message confirmed.',
        })
      : undefined);
  await endSession(session, ended.fired);
  if (failure !== undefined) throw failure;
  if (source.kind === 'lines' && o.debug) term.notice(`published ${pub.stats.sent} messages`);
}

/** DISCONNECT while the link is up (mqtt-tool decided to stop); otherwise only the socket is released. */
async function endSession(session: Session, ended: boolean): Promise<void> {
  if (ended || !session.client.connected) session.client.end(true);
  else await session.close();
}
