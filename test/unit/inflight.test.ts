import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InflightTable, type AckType } from '../../src/connection/inflight.js';

/** A table with one message at `qos`, moved to `stage`. */
function withOne(qos: 1 | 2, stage: 'sent' | 'released'): { t: InflightTable<string>; id: number } {
  const t = new InflightTable<string>();
  const id = t.open(qos, (n) => `m${n}`);
  if (stage === 'released') expect(t.acknowledge('pubrec', id, 0).kind).toBe('release');
  return { t, id };
}

describe('every acknowledgement against every state', () => {
  // [qos, stage, ack, code, outcome kind]
  const cases: Array<[1 | 2, 'sent' | 'released', AckType, number, string]> = [
    [1, 'sent', 'puback', 0x00, 'delivered'],
    [1, 'sent', 'puback', 0x10, 'delivered'],
    [1, 'sent', 'puback', 0x87, 'refused'],
    [1, 'sent', 'pubrec', 0x00, 'violation'],
    [1, 'sent', 'pubcomp', 0x00, 'violation'],
    [2, 'sent', 'puback', 0x00, 'delivered'],
    [2, 'sent', 'puback', 0x97, 'refused'],
    [2, 'sent', 'pubrec', 0x00, 'release'],
    [2, 'sent', 'pubrec', 0x10, 'release'],
    [2, 'sent', 'pubrec', 0x80, 'refused'],
    [2, 'sent', 'pubcomp', 0x00, 'violation'],
    [2, 'released', 'puback', 0x00, 'violation'],
    [2, 'released', 'pubrec', 0x00, 'release'],
    [2, 'released', 'pubrec', 0x80, 'violation'],
    [2, 'released', 'pubcomp', 0x00, 'delivered'],
    [2, 'released', 'pubcomp', 0x92, 'unconfirmed'],
    [2, 'released', 'pubcomp', 0x80, 'unconfirmed'],
  ];
  test.each(cases)('QoS %i, %s, %s with 0x%s', (qos, stage, ack, code, kind) => {
    const { t, id } = withOne(qos, stage);
    const o = t.acknowledge(ack, id, code);
    expect(o.kind).toBe(kind);
    const ended = kind === 'delivered' || kind === 'refused' || kind === 'unconfirmed';
    expect(t.size).toBe(ended ? 0 : 1);
  });
  test('a QoS 2 message answered with PUBACK is delivered as a downgrade; QoS 1 is not', () => {
    expect(withOne(2, 'sent').t.acknowledge('puback', 1, 0)).toMatchObject({ kind: 'delivered', downgraded: true });
    expect(withOne(1, 'sent').t.acknowledge('puback', 1, 0)).toMatchObject({ kind: 'delivered', downgraded: false });
  });
  test.each(['puback', 'pubrec', 'pubcomp'] as AckType[])('%s for an id not in flight is not ours', (ack) => {
    expect(withOne(1, 'sent').t.acknowledge(ack, 2, 0)).toEqual({ kind: 'unknown', id: 2 });
  });
  test('PUBCOMP 0x92 ends the message: it is never published again on that connection', () => {
    const { t, id } = withOne(2, 'released');
    expect(t.acknowledge('pubcomp', id, 0x92)).toEqual({ kind: 'unconfirmed', id, meta: 'm1', code: 0x92 });
    expect(t.reconnected(true)).toEqual([]);
    expect(t.acknowledge('pubcomp', id, 0x92).kind).toBe('unknown');
  });
});

describe('packet identifiers', () => {
  test('from 1 upwards, skipping ids in flight, wrapping from 65,535 to 1, never 0', () => {
    const t = new InflightTable<number>();
    const first = t.open(1, (id) => id);
    expect(first).toBe(1);
    for (let i = 2; i <= 65_533; i++) t.acknowledge('puback', t.open(1, (id) => id), 0);
    expect(t.open(1, (id) => id)).toBe(65_534);
    expect(t.open(1, (id) => id)).toBe(65_535);
    // 1 is still in flight: the next is 2.
    expect(t.open(1, (id) => id)).toBe(2);
  });
  test('all 65,535 in flight: no id is handed out twice', () => {
    const t = new InflightTable<number>();
    for (let i = 0; i < 65_535; i++) t.open(1, (id) => id);
    expect(() => t.open(1, (id) => id)).toThrow(RangeError);
  });
  test('the oldest message and what it waits for', () => {
    const t = new InflightTable<string>();
    expect(t.oldest()).toBeUndefined();
    t.open(2, () => 'a');
    t.open(1, () => 'b');
    expect(t.oldest()).toEqual({ id: 1, meta: 'a', waitingFor: 'PUBREC' });
    t.acknowledge('pubrec', 1, 0);
    expect(t.oldest()).toEqual({ id: 1, meta: 'a', waitingFor: 'PUBCOMP' });
    t.acknowledge('pubcomp', 1, 0);
    expect(t.oldest()).toEqual({ id: 2, meta: 'b', waitingFor: 'PUBACK' });
  });
});

describe('after a reconnect', () => {
  const three = (): InflightTable<string> => {
    const t = new InflightTable<string>();
    t.open(1, () => 'q1');
    t.open(2, () => 'q2-released');
    t.open(2, () => 'q2-sent');
    t.acknowledge('pubrec', 2, 0);
    return t;
  };
  test('session kept: PUBREL for the released message, PUBLISH for the others, in publish order [MQTT-4.4.0-1]', () => {
    expect(three().reconnected(true)).toEqual([
      { kind: 'publish', id: 1, qos: 1, meta: 'q1' },
      { kind: 'pubrel', id: 2 },
      { kind: 'publish', id: 3, qos: 2, meta: 'q2-sent' },
    ]);
  });
  test('session lost: every message from its PUBLISH, and a released one waits for PUBREC again', () => {
    const t = three();
    expect(t.reconnected(false).map((r) => r.kind)).toEqual(['publish', 'publish', 'publish']);
    expect(t.acknowledge('pubcomp', 2, 0).kind).toBe('violation');
  });
});

type Op = { op: 'open'; qos: 1 | 2 } | { op: 'ack'; ack: AckType; pick: number; code: number } | { op: 'reconnect'; session: boolean };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('open' as const), qos: fc.constantFrom(1 as const, 2 as const) }),
    fc.record({ op: fc.constant('ack' as const), ack: fc.constantFrom<AckType>('puback', 'pubrec', 'pubcomp'), pick: fc.nat(40), code: fc.constantFrom(0, 0x10, 0x80, 0x87, 0x92) }),
    fc.record({ op: fc.constant('reconnect' as const), session: fc.boolean() }),
  ),
  { maxLength: 200 },
);

test('property: any order of acknowledgements, codes and reconnects keeps the QoS 1 and 2 rules', () => {
  fc.assert(
    fc.property(ops, (sequence: Op[]) => {
      const t = new InflightTable<number>();
      let serial = 0;
      /** Model: per message serial, its qos, whether our PUBREL went out since the last PUBLISH of it, and whether it ended. */
      const model = new Map<number, { id: number; qos: 1 | 2; released: boolean; ended: boolean }>();
      const live = (): Array<{ serial: number; id: number }> => [...model].filter(([, m]) => !m.ended).map(([s, m]) => ({ serial: s, id: m.id }));
      for (const o of sequence) {
        if (o.op === 'open') {
          const s = serial++;
          const id = t.open(o.qos, () => s);
          expect(id).toBeGreaterThanOrEqual(1);
          expect(id).toBeLessThanOrEqual(65_535);
          expect(live().some((m) => m.id === id)).toBe(false);
          model.set(s, { id, qos: o.qos, released: false, ended: false });
        } else if (o.op === 'ack') {
          const target = live()[o.pick % Math.max(1, live().length)];
          const id = target?.id ?? 999;
          const outcome = t.acknowledge(o.ack, id, o.code);
          if (target === undefined) {
            expect(outcome.kind).toBe('unknown');
            continue;
          }
          const m = model.get(target.serial)!;
          if (outcome.kind === 'release') {
            expect(m.qos).toBe(2);
            m.released = true;
          }
          if (outcome.kind === 'delivered' || outcome.kind === 'refused' || outcome.kind === 'unconfirmed') {
            expect(outcome.meta).toBe(target.serial);
            m.ended = true;
          }
          // A PUBCOMP never counts before our PUBREL; a refusal never follows a release.
          if (o.ack === 'pubcomp' && !m.released) expect(outcome.kind).toBe('violation');
          if (outcome.kind === 'refused') expect(m.released).toBe(false);
        } else {
          const resend = t.reconnected(o.session);
          // In publish order, each live message exactly once.
          expect(resend.map((r) => r.id)).toEqual(live().map((m) => m.id));
          for (const r of resend) {
            const m = [...model.values()].find((x) => !x.ended && x.id === r.id)!;
            // Once PUBREL went out, the PUBLISH goes again only in a new session [MQTT-4.3.3-6].
            if (m.released && o.session) expect(r.kind).toBe('pubrel');
            if (r.kind === 'publish') m.released = false;
          }
        }
        expect(t.size).toBe(live().length);
      }
    }),
    { numRuns: 2_000 },
  );
});
