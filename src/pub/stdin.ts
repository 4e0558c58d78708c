/** Line mode (-l, --jsonl): a stream read, split and published in order, as fast as the window allows. */
import type { Readable } from 'node:stream';
import type { FastPublisher } from '../connection/fast-publisher.js';
import type { Session } from '../connection/session.js';
import { isCliError, type CliError } from '../errors.js';
import { LineSplitter, LineTooLongError } from '../io/lines.js';
import type { Qos } from '../protocol/types.js';
import { brokerLimits, tooLarge } from './limits.js';
import type { Outgoing } from './records.js';

/**
 * stdin line mode (-l, --jsonl): read, split, prepare each line, publish in order. Reading pauses
 * while the window is full or the connection is down, so memory stays bounded by the window.
 * A line that cannot be published (bad JSON, too large) stops the input and is returned, so what
 * was already sent is still acknowledged before pub exits with it.
 */
export function publishLines(
  session: Session,
  pub: FastPublisher,
  input: Readable,
  maxLine: number,
  prepare: (line: Buffer, n: number) => Outgoing,
  setStop: (stop: () => void) => void,
  sessionOver: () => boolean,
): Promise<CliError | undefined> {
  const stdin = input;
  const splitter = new LineSplitter(maxLine);
  const client = session.client;
  /** The broker's limits, checked once per topic (at most 1024 remembered). */
  const limits = new Map<string, (payloadBytes: number) => void>();
  /** The check of the previous message: -l sends every line with the same topic, QoS and retain. */
  let last: { topic: string; qos: Qos; retain: boolean; check: (payloadBytes: number) => void } | undefined;
  const checkSize = (m: Outgoing): void => {
    if (last === undefined || last.topic !== m.topic || last.qos !== m.qos || last.retain !== m.retain) {
      const key = `${m.qos}${m.retain ? 'r' : ''}/${m.topic}`;
      let check = limits.get(key);
      if (check === undefined) {
        check = brokerLimits(session, pub, m.topic, { qos: m.qos, retain: m.retain });
        if (limits.size < 1024) limits.set(key, check);
      }
      last = { topic: m.topic, qos: m.qos, retain: m.retain, check };
    }
    last.check(m.payload.length + (m.properties?.length ?? 0));
  };
  let lineNumber = 0;
  return new Promise<CliError | undefined>((resolve, reject) => {
    /** Ctrl-C, or the session ended: publish nothing new. */
    let stopped = false;
    let settled = false;
    let wakeReplay: () => void = () => {};
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      wakeReplay();
      stdin.removeListener('data', onData);
      stdin.pause();
      stdin.destroy();
      if (err === undefined) resolve(undefined);
      else if (isCliError(err)) resolve(err);
      else reject(err);
    };
    setStop(() => {
      stopped = true;
      settle();
    });
    const halted = (): boolean => stopped || settled || sessionOver();
    const waitUntilConnected = (): Promise<void> =>
      client.connected ? Promise.resolve() : new Promise((r) => client.once('connect', () => r()));
    /** --replay: sleeps until a message is due; a stop wakes it at once. */
    const until = (dueMs: number): Promise<void> =>
      new Promise((r) => {
        const timer = setTimeout(r, Math.max(0, dueMs - performance.now()));
        wakeReplay = () => {
          clearTimeout(timer);
          r();
        };
      });
    /** Publishes lines one window at a time. */
    const pump = async (lines: Buffer[]): Promise<void> => {
      for (const line of lines) {
        const m = prepare(line, ++lineNumber);
        if (m.dueMs !== undefined && m.dueMs > performance.now()) {
          pub.flush();
          await until(m.dueMs);
        }
        if (!pub.hasRoom() || !client.connected) {
          // No flush here: the batch goes out within WRITE_COALESCE_MS, after the acks of that millisecond refilled it.
          await waitUntilConnected();
          await pub.room();
        }
        if (halted()) return;
        checkSize(m);
        pub.publish(m.topic, m.payload, m.qos, m.retain, 0, m.properties);
      }
      pub.flush();
    };
    // Chunks are published strictly in order: 'end' can arrive while the last chunk still waits for room.
    let chain: Promise<void> = Promise.resolve();
    const onData = (chunk: Buffer): void => {
      stdin.pause();
      let lines: Buffer[];
      try {
        lines = splitter.push(chunk);
      } catch (err) {
        settle(err instanceof LineTooLongError ? tooLarge(undefined, err.limit) : err);
        return;
      }
      chain = chain.then(() => pump(lines)).then(() => {
        if (!halted()) stdin.resume();
      });
      chain.catch(settle);
    };
    stdin.on('data', onData);
    stdin.once('end', () => {
      chain = chain.then(async () => {
        const last = splitter.end();
        if (last !== undefined && last.length > 0) await pump([last]);
        settle();
      });
      chain.catch(settle);
    });
    stdin.once('error', (err) => settle(err));
  });
}
