/**
 * Fuzzing what reads broker bytes, in process: seeded random and mutated packets through the frame
 * check, the inbound tap, the bench receiver and the peer classifier. Whatever the bytes, nothing
 * throws, and a packet the frame check lets through is one MQTT.js's parser reads without error.
 */
import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, test } from 'vitest';
import { installInboundTap, PROTOCOL_VIOLATION } from '../../src/connection/ack-tap.js';
import { checkFrame } from '../../src/connection/frame-check.js';
import { classifyPeerReply } from '../../src/connection/peer-reply.js';
import { readVarint } from '../../src/connection/varint.js';
import { leanReceiver } from '../../src/bench/receiver.js';
import { mutated, versions } from '../helpers/mutations.js';

/** `npm run fuzz` runs a longer campaign: more cases (FUZZ_SCALE times as many) from a fresh seed (FUZZ_SEED). */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261205);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const runs = (n: number): number => Math.round(n * SCALE);
/** Header and body of a whole frame, or undefined when its remaining length does not frame it exactly. */
function split(frame: Buffer): { header: number; body: Buffer } | undefined {
  const length = readVarint(frame, 1);
  return length.kind === 'value' && length.next + length.value === frame.length ? { header: frame[0]!, body: frame.subarray(length.next) } : undefined;
}

describe('the frame check against MQTT.js\'s parser', () => {
  test('whatever the bytes, the check answers and never throws; what it passes, mqtt-packet reads as one packet without error', () => {
    fc.assert(
      fc.property(mutated, ({ version, frame }) => {
        const parts = split(frame);
        // AUTH is left out: mqtt-packet cannot read the empty AUTH MQTT 5 allows, and MQTT.js's own
        // error for it ends the connection as a protocol error (supervise.ts) all the same.
        if (parts === undefined || parts.header >> 4 === 15) return;
        const verdict = checkFrame(parts.header, parts.body, version);
        if (verdict !== undefined) return;
        const parser = mqttPacket.parser({ protocolVersion: version });
        const got: Packet[] = [];
        const errors: Error[] = [];
        parser.on('packet', (p: Packet) => got.push(p));
        parser.on('error', (e: Error) => errors.push(e));
        parser.parse(frame);
        expect(errors.map((e) => e.message)).toEqual([]);
        expect(got).toHaveLength(1);
      }),
      { seed: SEED, numRuns: runs(5_000) },
    );
  });
  test('random bytes: never a throw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }), versions, (header, body, version) => {
        expect(() => checkFrame(header, Buffer.from(body), version)).not.toThrow();
      }),
      { seed: SEED, numRuns: runs(5_000) },
    );
  });
});

describe('the inbound tap', () => {
  test('any byte stream, in any chunks: passes packets on or ends with a protocol violation, never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutated, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), async (frames, cuts) => {
        const data = Buffer.concat(frames.map((f) => f.frame));
        const source = new PassThrough();
        installInboundTap(source, frames[0]!.version, { handler: () => false });
        const out: Buffer[] = [];
        const sink = new Writable({ write: (c: Buffer, _e, done) => (out.push(c), done()) });
        const ended = new Promise<string>((resolve) => {
          sink.on('finish', () => resolve('finish'));
          source.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        });
        source.pipe(sink);
        let o = 0;
        for (const c of cuts) {
          source.write(data.subarray(o, o + c));
          o += c;
        }
        source.end(data.subarray(o));
        const how = await ended;
        expect(['finish', PROTOCOL_VIOLATION]).toContain(how);
      }),
      { seed: SEED, numRuns: runs(1_000) },
    );
  });
});

describe('the bench receiver', () => {
  test('a PUBLISH or PUBREL that passes the frame check never makes it throw', () => {
    fc.assert(
      fc.property(mutated, ({ version, frame }) => {
        const parts = split(frame);
        if (parts === undefined || ![3, 6].includes(parts.header >> 4) || checkFrame(parts.header, parts.body, version) !== undefined) return;
        const receive = leanReceiver(version, { handler: undefined, write: () => {} }, () => {});
        expect(() => receive(parts.header, parts.body)).not.toThrow();
      }),
      { seed: SEED, numRuns: runs(3_000) },
    );
  });
});

test('the peer classifier: any first bytes, never a throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), versions, (bytes, version) => {
      expect(() => classifyPeerReply(Buffer.from(bytes), version)).not.toThrow();
    }),
    { seed: SEED, numRuns: runs(3_000) },
  );
});
