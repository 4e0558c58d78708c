import { expect, test } from 'vitest';
import { leanReceiver } from '../../src/bench/receiver.js';
import type { AckTap } from '../../src/connection/ack-tap.js';
import { WRITE_COALESCE_MS } from '../../src/connection/batch-writer.js';

/** A PUBLISH body (variable header and payload); MQTT 5 bodies carry a properties block. */
function publishBody(qos: number, id: number, payload: string, properties?: Buffer): Buffer {
  const topic = Buffer.from('t/1');
  return Buffer.concat([
    Buffer.from([0, topic.length]),
    topic,
    qos > 0 ? Buffer.from([id >> 8, id & 0xff]) : Buffer.alloc(0),
    properties ?? Buffer.alloc(0),
    Buffer.from(payload),
  ]);
}

function setup(version: 4 | 5) {
  const written: Buffer[] = [];
  const delivered: string[] = [];
  const tap: AckTap = { handler: undefined, write: (d) => written.push(d) };
  const onPacket = leanReceiver(version, tap, (p) => delivered.push(p.toString()));
  /** The acks written once the coalescing delay has passed; `writes` counts the socket writes. */
  const flush = (): Promise<Buffer> => new Promise((r) => setTimeout(() => r(Buffer.concat(written)), WRITE_COALESCE_MS + 5));
  return { onPacket, delivered, flush, writes: () => written.length };
}

test('QoS 1: delivered, one PUBACK per message, written in one batch', async () => {
  const r = setup(4);
  expect(r.onPacket(0x32, publishBody(1, 7, 'a'))).toBe(true);
  expect(r.onPacket(0x32, publishBody(1, 8, 'b'))).toBe(true);
  expect(r.delivered).toEqual(['a', 'b']);
  expect(await r.flush()).toEqual(Buffer.from([0x40, 2, 0, 7, 0x40, 2, 0, 8]));
  expect(r.writes()).toBe(1);
});

test('QoS 2: exactly once until PUBREL; PUBREC for each PUBLISH, PUBCOMP for PUBREL', async () => {
  const r = setup(4);
  r.onPacket(0x34, publishBody(2, 9, 'x'));
  r.onPacket(0x3c, publishBody(2, 9, 'x')); // re-sent with DUP before PUBREL
  r.onPacket(0x62, Buffer.from([0, 9]));
  r.onPacket(0x34, publishBody(2, 9, 'y')); // id reused after release: a new message
  expect(r.delivered).toEqual(['x', 'y']);
  expect(await r.flush()).toEqual(Buffer.from([0x50, 2, 0, 9, 0x50, 2, 0, 9, 0x70, 2, 0, 9, 0x50, 2, 0, 9]));
});

test('MQTT 5: the properties are skipped, QoS 0 sends no ack', async () => {
  const r = setup(5);
  // Properties: length 2, then payload format indicator (0x01) = 1.
  r.onPacket(0x30, publishBody(0, 0, 'payload', Buffer.from([0x02, 0x01, 0x01])));
  expect(r.delivered).toEqual(['payload']);
  expect(await r.flush()).toEqual(Buffer.alloc(0));
});
