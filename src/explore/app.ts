/**
 * `explore`'s run: the terminal taken over (alternate screen, raw keys, no cursor) and given back
 * exactly as it was on every way out; a session subscribed to the filters and subscribed again
 * after a reconnect; each message into the tree; a frame drawn at most 20 times a second and
 * at once after a key, writing only the lines that changed.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';
import { connect, type ConnectOptions, type Session } from '../connection/session.js';
import { describeRefusal } from '../connection/explain.js';
import { RejectedError, isCliError, type CliError } from '../errors.js';
import { onInterrupt } from '../io/signals.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import type { Qos } from '../protocol/types.js';
import { decodeKeys, type Key } from './keys.js';
import { bodyRows, frame, scrollFor, type Styles } from './layout.js';
import { sampleOf } from './sample.js';
import { ENTER, LEAVE, copyToClipboard, frameUpdate } from './screen.js';
import { TopicTree, type TopicNode } from './tree.js';
import { commandFor } from './commands.js';

export type Decoded = { ok: true; encoding: string; value: unknown } | { ok: false; encoding: string; reason: string } | undefined;

export interface ExploreOptions {
  readonly spec: ConnectionSpec;
  readonly dial: Omit<ConnectOptions, 'notice' | 'handleMessage'>;
  readonly filters: readonly string[];
  readonly qos: Qos;
  readonly decode: ((topic: string, payload: Buffer) => Decoded) | undefined;
  readonly maxValueBytes: number;
  readonly history: number;
  readonly styles: Styles;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
}

type Mode =
  | { readonly kind: 'browse' }
  | { readonly kind: 'filter'; readonly text: string; readonly before: string }
  | { readonly kind: 'publish'; readonly topic: string; readonly text: string; readonly qos: Qos; readonly retain: boolean }
  | { readonly kind: 'confirm'; readonly question: string; readonly topics: readonly string[] };

/** Samples kept over all topics (about 50 MB of short values); past it the oldest histories shrink. */
const TOTAL_SAMPLES = 500_000;

/** The most frames a second. */
const FRAME_MS = 50;

export async function explore(o: ExploreOptions): Promise<void> {
  const tree = new TopicTree({ history: o.history, totalSamples: TOTAL_SAMPLES });
  let mode: Mode = { kind: 'browse' };
  let selected: TopicNode | undefined;
  let scroll = 0;
  let detailScroll = 0;
  let help = false;
  let message: string | undefined;
  let state = 'connecting';
  let prev: string[] | undefined;
  let dirty = true;
  let session: Session | undefined;
  let finish: (err: CliError | undefined) => void = () => {};
  const finished = new Promise<CliError | undefined>((resolve) => (finish = resolve));
  /** A bug in a key, message or timer handler: the run ends, the terminal is given back, then it is reported. */
  let crash: { error: unknown } | undefined;
  const guard =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch (error) {
        crash ??= { error };
        finish(undefined);
      }
    };

  const draw = (): void => {
    dirty = false;
    const rows = tree.rows();
    let index = selected === undefined ? -1 : rows.findIndex((r) => r.node === selected);
    if (index < 0 && rows.length > 0) {
      index = Math.min(Math.max(0, scroll), rows.length - 1);
      selected = rows[index]?.node;
    }
    const body = bodyRows(o.stdout.rows);
    scroll = Math.max(0, Math.min(scrollFor(index, scroll, body), Math.max(0, rows.length - body)));
    const lines = frame(
      {
        columns: o.stdout.columns,
        rows: o.stdout.rows,
        title: o.spec.unixPath ?? `${o.spec.transport}://${o.spec.host}:${o.spec.port}`,
        state,
        topics: tree.root.topics,
        rate: tree.root.rate,
        filter: tree.filterShown,
        tree: rows,
        selected: index,
        scroll,
        detailScroll,
        now: Date.now(),
        help,
        footer: footerText(mode) ?? message,
      },
      o.styles,
    );
    o.stdout.write(frameUpdate(prev, lines));
    prev = lines;
  };

  const onMessage = (_c: MqttClient, packet: IPublishPacket, done: () => void): void => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const decoded = payload.length === 0 ? undefined : o.decode?.(packet.topic, payload);
    const sample = sampleOf(payload, decoded?.ok === true ? decoded : undefined, o.maxValueBytes, Date.now());
    tree.add(packet.topic, { qos: packet.qos, retain: packet.retain, properties: packet.properties as Record<string, unknown> | undefined, encoding: decoded?.encoding }, sample);
    dirty = true;
    done();
  };

  const move = (to: number): void => {
    const rows = tree.rows();
    if (rows.length === 0) return;
    selected = rows[Math.max(0, Math.min(rows.length - 1, to))]?.node;
    detailScroll = 0;
  };
  const indexOfSelected = (): number => tree.rows().findIndex((r) => r.node === selected);

  const publish = (topic: string, text: string, qos: Qos, retain: boolean): void => {
    const client = session?.client;
    if (client === undefined) return;
    client.publishAsync(topic, text, { qos, retain }).then(
      () => say(`published to '${topic}' (QoS ${qos}${retain ? ', retained' : ''})`),
      (e: Error & { code?: number }) => say(typeof e.code === 'number' ? describeRefusal(`publish to '${topic}'`, qos === 2 ? 'pubrec' : 'puback', o.spec.protocolVersion, e.code).message : `publish to '${topic}' failed: ${e.message}`),
    );
  };
  const say = (text: string): void => {
    message = text;
    dirty = true;
  };

  const onKey = (key: Key): void => {
    if (mode.kind === 'filter') {
      if (key.kind === 'enter') mode = { kind: 'browse' };
      else if (key.kind === 'escape') {
        tree.setFilter(mode.before);
        mode = { kind: 'browse' };
      } else if (key.kind === 'backspace') mode = { ...mode, text: mode.text.slice(0, -1) };
      else if (key.kind === 'char') mode = { ...mode, text: mode.text + key.char };
      if (mode.kind === 'filter') tree.setFilter(mode.text);
      return;
    }
    if (mode.kind === 'publish') {
      if (key.kind === 'enter') {
        publish(mode.topic, mode.text, mode.qos, mode.retain);
        mode = { kind: 'browse' };
      } else if (key.kind === 'escape' || key.kind === 'ctrlC') mode = { kind: 'browse' };
      else if (key.kind === 'tab') mode = { ...mode, qos: ((mode.qos + 1) % 3) as Qos };
      else if (key.kind === 'ctrlR') mode = { ...mode, retain: !mode.retain };
      else if (key.kind === 'backspace') mode = { ...mode, text: mode.text.slice(0, -1) };
      else if (key.kind === 'char') mode = { ...mode, text: mode.text + key.char };
      return;
    }
    if (mode.kind === 'confirm') {
      const topics = mode.topics;
      mode = { kind: 'browse' };
      if (key.kind === 'char' && (key.char === 'y' || key.char === 'Y')) {
        const client = session?.client;
        if (client === undefined) return;
        Promise.all(topics.map((t) => client.publishAsync(t, Buffer.alloc(0), { qos: 1, retain: true }))).then(
          () => say(`deleted ${topics.length} retained message${topics.length === 1 ? '' : 's'}`),
          (e: Error) => say(`deleting retained messages failed: ${e.message}`),
        );
      } else say('nothing deleted');
      return;
    }
    message = undefined;
    const node = selected;
    const index = indexOfSelected();
    const page = bodyRows(o.stdout.rows);
    const c = key.kind === 'char' ? key.char : undefined;
    if (key.kind === 'ctrlC' || c === 'q') finish(undefined);
    else if (key.kind === 'up' || c === 'k') move(index - 1);
    else if (key.kind === 'down' || c === 'j') move(index + 1);
    else if (key.kind === 'pageUp') move(index - page);
    else if (key.kind === 'pageDown') move(index + page);
    else if (key.kind === 'home') move(0);
    else if (key.kind === 'end') move(tree.rows().length - 1);
    else if (key.kind === 'right' || key.kind === 'enter' || c === 'l') {
      if (node !== undefined && node.children.size > 0) {
        if (tree.isExpanded(node)) move(index + 1);
        else tree.expand(node);
      }
    } else if (key.kind === 'left' || c === 'h') {
      if (node !== undefined && tree.isExpanded(node) && node.children.size > 0 && tree.filterShown === '') tree.collapse(node);
      else if (node?.parent !== undefined && node.parent !== tree.root) selected = node.parent;
    } else if (c === 'J') detailScroll += 1;
    else if (c === 'K') detailScroll = Math.max(0, detailScroll - 1);
    else if (c === '?' || (key.kind === 'escape' && help)) help = !help;
    else if (c === '/') mode = { kind: 'filter', text: tree.filterShown, before: tree.filterShown };
    else if (c === 'p' && node !== undefined) mode = { kind: 'publish', topic: node.path, text: '', qos: 0, retain: false };
    else if ((c === 'd' || c === 'D') && node !== undefined) {
      const topics = tree.retainedTopics(node, c === 'D');
      if (topics.length === 0) say(c === 'd' ? `'${node.path}' holds no retained message` : `no retained message at or below '${node.path}'`);
      else mode = { kind: 'confirm', topics, question: c === 'd' ? `delete the retained message of '${node.path}'? (y/n)` : `delete ${topics.length} retained message${topics.length === 1 ? '' : 's'} at or below '${node.path}'? (y/n)` };
    } else if (c === 'c' && node !== undefined) {
      const line = commandFor(o.spec, node);
      o.stdout.write(copyToClipboard(line));
      say(`copied: ${line}`);
    }
  };

  const onData = guard((chunk: string): void => {
    for (const key of decodeKeys(chunk)) onKey(key);
    draw();
  });
  const onResize = guard((): void => {
    prev = undefined;
    draw();
  });

  o.stdout.write(ENTER);
  o.stdin.setRawMode(true);
  o.stdin.setEncoding('utf8');
  o.stdin.on('data', onData);
  o.stdin.resume();
  o.stdout.on('resize', onResize);
  const stopSignals = onInterrupt(() => finish(undefined));
  const frames = setInterval(
    guard(() => {
      if (dirty) draw();
    }),
    FRAME_MS,
  );
  const rates = setInterval(
    guard(() => {
      tree.tick(performance.now());
      dirty = true;
    }),
    1000,
  );
  tree.tick(performance.now());
  let error: CliError | undefined;
  try {
    draw();
    const opening = connect(o.spec, { ...o.dial, notice: (line) => ((state = line), (dirty = true)), handleMessage: (c, packet, done) => guard(onMessage)(c, packet, done) });
    const opened = await Promise.race([opening, finished]);
    if (opened === undefined || !('client' in opened)) {
      // Left while connecting: a session that opens after all is closed at once, so nothing keeps the process up.
      opening.then((late) => late.close(), () => undefined);
      error = opened;
    } else {
      session = opened;
      state = 'connected';
      void opened.ended.then((err) => finish(err ?? undefined));
      opened.client.on('connect', (connack: { sessionPresent?: boolean }) => {
        state = 'connected';
        dirty = true;
        if (!connack.sessionPresent) void subscribeAll(opened, o, say);
      });
      const refused = await subscribeAll(opened, o, say);
      error = refused ?? (await finished);
    }
  } catch (err) {
    error = isCliError(err) ? err : undefined;
    if (error === undefined) throw err;
  } finally {
    clearInterval(frames);
    clearInterval(rates);
    stopSignals();
    o.stdin.removeListener('data', onData);
    o.stdout.removeListener('resize', onResize);
    if (session !== undefined) await session.close();
    o.stdin.setRawMode(false);
    o.stdin.pause();
    o.stdout.write(LEAVE);
  }
  if (crash !== undefined) throw crash.error;
  if (error !== undefined) throw error;
}

/** SUBSCRIBE to every filter; an error when the broker refused them all, a footer message when only some. */
async function subscribeAll(session: Session, o: ExploreOptions, say: (text: string) => void): Promise<CliError | undefined> {
  // MQTT 5's Retain As Published keeps the retain flag on live messages too: the ® marker then says what the broker holds.
  const options = { qos: o.qos, ...(session.spec.protocolVersion === 5 ? { rap: true } : {}) };
  const granted = await session.client.subscribeAsync(Object.fromEntries(o.filters.map((f) => [f, options]))).catch(() => undefined);
  if (granted === undefined) return undefined;
  const refusals = granted.filter((g) => g.qos >= 0x80).map((g) => describeRefusal(`subscription to '${g.topic}'`, 'suback', o.spec.protocolVersion, g.qos));
  if (refusals.length === 0) return undefined;
  if (refusals.length < granted.length) {
    say(refusals.map((r) => r.message).join('; '));
    return undefined;
  }
  const first = refusals[0] as { message: string; hint: string };
  return new RejectedError(first.message, { hint: first.hint });
}

function footerText(mode: Mode): string | undefined {
  switch (mode.kind) {
    case 'browse':
      return undefined;
    case 'filter':
      return `filter (text, or a filter with + or #; Enter keeps it, Esc drops it): ${mode.text}▌`;
    case 'publish':
      return `publish to '${mode.topic}' at QoS ${mode.qos}${mode.retain ? ', retained' : ''} (Tab: QoS, Ctrl-R: retain, Enter: send, Esc: cancel): ${mode.text}▌`;
    case 'confirm':
      return mode.question;
  }
}
