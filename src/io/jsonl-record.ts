/**
 * One line of `pub --jsonl`: the shape `sub -F jsonl` writes (topic, payload with its encoding,
 * qos, retain, MQTT 5 properties, receivedAt), read back into a message to publish. Pure.
 */
import type { IPublishPacket } from 'mqtt';
import { UsageError } from '../errors.js';
import { validateTopicName } from '../protocol/topics.js';
import type { Qos } from '../protocol/types.js';

export type RecordPayload =
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  /** A decoded payload: `encoding` names the codec that writes it back. */
  | { readonly kind: 'decoded'; readonly encoding: string; readonly value: unknown };

export interface JsonlRecord {
  readonly topic: string;
  readonly payload: RecordPayload;
  readonly qos: Qos | undefined;
  readonly retain: boolean;
  readonly properties: IPublishPacket['properties'] | undefined;
  /** Milliseconds since the epoch, from receivedAt: the spacing --replay keeps. */
  readonly atMs: number | undefined;
}

const fail = (line: number, why: string): UsageError =>
  new UsageError(`--jsonl line ${line}: ${why}`, { hint: 'Each line is one JSON object as `mqtt-tool sub -F jsonl` writes it: {"topic": "...", "payload": "...", ...}.' });

function text(line: number, obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw fail(line, `"${key}" must be a string`);
  return v;
}

function properties(line: number, p: unknown): IPublishPacket['properties'] | undefined {
  if (p === undefined) return undefined;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw fail(line, '"properties" must be an object');
  const o = p as Record<string, unknown>;
  const out: NonNullable<IPublishPacket['properties']> = {};
  const contentType = text(line, o, 'contentType');
  if (contentType !== undefined) out.contentType = contentType;
  const responseTopic = text(line, o, 'responseTopic');
  if (responseTopic !== undefined) out.responseTopic = responseTopic;
  const cd = text(line, o, 'correlationData');
  if (cd !== undefined) out.correlationData = Buffer.from(cd, o['correlationDataEncoding'] === 'base64' ? 'base64' : 'utf8');
  const expiry = o['messageExpiryInterval'];
  if (expiry !== undefined) {
    if (!Number.isInteger(expiry) || (expiry as number) < 0 || (expiry as number) > 0xffffffff) throw fail(line, '"messageExpiryInterval" must be an integer from 0 to 4294967295');
    out.messageExpiryInterval = expiry as number;
  }
  if (o['payloadFormatIndicator'] !== undefined) out.payloadFormatIndicator = o['payloadFormatIndicator'] === 1 || o['payloadFormatIndicator'] === true;
  const up = o['userProperties'];
  if (up !== undefined) {
    if (up === null || typeof up !== 'object' || Array.isArray(up)) throw fail(line, '"userProperties" must be an object');
    const props: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(up)) {
      if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) props[k] = v as string | string[];
      else throw fail(line, `user property "${k}" must be a string or an array of strings`);
    }
    out.userProperties = props;
  }
  // Topic alias and subscription identifier belong to the connection the message arrived on: not replayed.
  return Object.keys(out).length === 0 ? undefined : out;
}

export function parseRecord(source: string, line: number): JsonlRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (err) {
    throw fail(line, `not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail(line, 'not a JSON object');
  const o = parsed as Record<string, unknown>;
  const topic = text(line, o, 'topic');
  if (topic === undefined) throw fail(line, 'no "topic"');
  const check = validateTopicName(topic);
  if (!check.ok) throw fail(line, `invalid topic '${topic}': ${check.message} [${check.rule}]`);
  const encoding = text(line, o, 'encoding');
  let payload: RecordPayload;
  if (encoding === undefined) {
    const p = o['payload'] ?? '';
    if (typeof p !== 'string') throw fail(line, '"payload" is not a string, and no "encoding" says which codec wrote it');
    payload = { kind: 'bytes', bytes: Buffer.from(p, 'utf8') };
  } else if (encoding === 'base64') {
    const p = text(line, o, 'payload') ?? '';
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(p)) throw fail(line, '"payload" is not base64');
    payload = { kind: 'bytes', bytes: Buffer.from(p, 'base64') };
  } else {
    payload = { kind: 'decoded', encoding, value: o['payload'] };
  }
  const qos = o['qos'];
  if (qos !== undefined && qos !== 0 && qos !== 1 && qos !== 2) throw fail(line, '"qos" must be 0, 1 or 2');
  const retain = o['retain'];
  if (retain !== undefined && typeof retain !== 'boolean') throw fail(line, '"retain" must be true or false');
  const at = text(line, o, 'receivedAt');
  const atMs = at === undefined ? undefined : Date.parse(at);
  if (atMs !== undefined && Number.isNaN(atMs)) throw fail(line, `"receivedAt" '${at}' is not an ISO time`);
  return { topic, payload, qos: qos as Qos | undefined, retain: retain === true, properties: properties(line, o['properties']), atMs };
}

/** When record `at` is due in a replay that started at `startMs` with the first record's time `firstAtMs`. `speed` 0: at once. */
export function replayDue(startMs: number, firstAtMs: number | undefined, atMs: number | undefined, speed: number): number {
  if (speed === 0 || firstAtMs === undefined || atMs === undefined) return startMs;
  return startMs + Math.max(0, atMs - firstAtMs) / speed;
}
