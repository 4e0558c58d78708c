import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { installInboundTap, PROTOCOL_VIOLATION, type AckTap } from '../../src/connection/ack-tap.js';
import { encodeVarint } from '../../src/connection/varint.js';

function packet(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | (type === 6 ? 2 : 0), ...encodeVarint(body.length)]), body]);
}
const ack = (type: number, id: number, code?: number): Buffer =>
  packet(type, Buffer.from(code === undefined ? [id >> 8, id & 0xff] : [id >> 8, id & 0xff, code, 0]));
const publish = (payload: number): Buffer => packet(3, Buffer.concat([Buffer.from([0, 1, 0x61, 0]), Buffer.alloc(payload, 0x62)]));

/** Runs chunks through a tapped stream; returns what MQTT.js would read and what the tap took. */
async function run(chunks: Buffer[], owns: (type: number, id: number) => boolean): Promise<{ passed: Buffer; taken: Array<[number, number, number]> }> {
  const source = new PassThrough();
  const taken: Array<[number, number, number]> = [];
  const tap: AckTap = {
    handler: (type, id, code) => {
      if (!owns(type, id)) return false;
      taken.push([type, id, code]);
      return true;
    },
  };
  installInboundTap(source, 5, tap);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, done) {
      out.push(c);
      done();
    },
  });
  const finished = new Promise((r) => sink.on('finish', r));
  source.pipe(sink);
  for (const c of chunks) source.write(c);
  source.end();
  await finished;
  return { passed: Buffer.concat(out), taken };
}

test('takes our acks with their reason codes, passes everything else byte for byte', async () => {
  const stream = [publish(3), ack(4, 1), ack(4, 2, 0x87), ack(5, 3), ack(7, 4), ack(4, 99), packet(13, Buffer.alloc(0))];
  const r = await run([Buffer.concat(stream)], (_t, id) => id < 10 && id !== 99);
  expect(r.taken).toEqual([[4, 1, 0], [4, 2, 0x87], [5, 3, 0], [7, 4, 0]]);
  expect(r.passed).toEqual(Buffer.concat([publish(3), ack(4, 99), packet(13, Buffer.alloc(0))]));
});

test('without a handler it is a pass-through', async () => {
  const data = Buffer.concat([ack(4, 1), publish(200)]);
  const source = new PassThrough();
  installInboundTap(source, 5, { handler: undefined });
  const out: Buffer[] = [];
  source.pipe(new Writable({ write: (c: Buffer, _e, d) => { out.push(c); d(); } }));
  source.end(data);
  await new Promise((r) => setTimeout(r, 20));
  expect(Buffer.concat(out)).toEqual(data);
});

test('any chunking of any packet sequence gives the same result (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(fc.record({ kind: fc.constant('ack' as const), type: fc.constantFrom(4, 5, 7), id: fc.integer({ min: 1, max: 65535 }) }), fc.record({ kind: fc.constant('pub' as const), size: fc.integer({ min: 0, max: 300 }) })), { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 30 }),
      async (items, cuts) => {
        const packets = items.map((i) => (i.kind === 'ack' ? ack(i.type, i.id) : publish(i.size)));
        const owns = (_t: number, id: number): boolean => id % 2 === 0;
        const expectedPassed = Buffer.concat(items.map((i, k) => (i.kind === 'ack' && owns(i.type, i.id) ? Buffer.alloc(0) : (packets[k] as Buffer))));
        const whole = Buffer.concat(packets);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const c of cuts) {
          if (at >= whole.length) break;
          chunks.push(whole.subarray(at, at + c));
          at += c;
        }
        if (at < whole.length) chunks.push(whole.subarray(at));
        const r = await run(chunks, owns);
        expect(r.passed).toEqual(expectedPassed);
        expect(r.taken.map(([, id]) => id)).toEqual(items.filter((i) => i.kind === 'ack' && owns(i.type, i.id)).map((i) => (i as { id: number }).id));
      },
    ),
    { numRuns: 200 },
  );
});

test('a remaining length of five bytes ends the stream with a malformed-packet error instead of buffering for ever', async () => {
  const source = new PassThrough();
  installInboundTap(source, 5, { handler: () => false });
  const errored = new Promise<NodeJS.ErrnoException>((resolve) => source.once('error', resolve));
  source.pipe(new Writable({ write: (_c, _e, done) => done() }));
  source.write(Buffer.from([0x40, 0xff, 0xff, 0xff, 0xff, 0x01]));
  const err = await errored;
  expect(err.code).toBe(PROTOCOL_VIOLATION);
  expect(err.message).toContain('type 4');
});
