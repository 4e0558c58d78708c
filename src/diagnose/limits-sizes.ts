/**
 * The size limits of `diagnose --limits`, each found by bisection: payload, topic length and
 * levels (a publish confirmed by the receiver, since some brokers drop oversize messages
 * without a word), client identifier length and, under 3.1.1, the keepalive (by CONNACK).
 */
import type { IConnackPacket } from 'mqtt';
import type { Session } from '../connection/session.js';
import { enforcementOf, type LimitsKit, type Outcome } from './limits-kit.js';
import type { Enforcement, Limit, LimitValue, Measured } from '../report/limits-model.js';
import { largestPassing, type Search } from './limits-search.js';

/** The payload ceiling of the probe: a broker that takes this takes what most devices send. */
export const PAYLOAD_CEILING = 1024 * 1024;
const TOPIC_CEILING = 65_535;
const LEVELS_CEILING = 256;
const CLIENT_ID_CEILING = 65_535;
const KEEPALIVE_CEILING = 65_535;
/** Probes per bisection: enough for an exact answer below 2^20. */
const PROBES = 24;

/** A measured value from a search, with how the broker showed the limit. */
function fromSearch(s: Search, enforcement: Enforcement | undefined): Measured | undefined {
  switch (s.kind) {
    case 'ceiling':
      return { value: s.max, atLeast: true };
    case 'exact':
      return { value: s.value, ...(enforcement === undefined ? {} : { enforcement }) };
    case 'between':
      return { value: s.low, below: s.high, ...(enforcement === undefined ? {} : { enforcement }) };
    case 'none':
      return { value: 0, ...(enforcement === undefined ? {} : { enforcement }) };
  }
}

/** A bisection over publishes; how the broker enforces the limit is read at the boundary, the smallest value that failed. */
async function searchPublishes(kit: LimitsKit, min: number, max: number, publish: (n: number) => Promise<Outcome>): Promise<Measured | undefined> {
  const failures = new Map<number, Enforcement>();
  const s = await largestPassing(
    min,
    max,
    async (n) => {
      const o = await publish(n);
      if (o.kind === 'delivered') return true;
      failures.set(n, enforcementOf(o));
      return false;
    },
    { probes: PROBES, inTime: () => kit.inTime() },
  );
  const boundary = s.kind === 'exact' ? s.value + 1 : s.kind === 'between' ? s.high : s.kind === 'none' ? s.min : undefined;
  return fromSearch(s, boundary === undefined ? undefined : failures.get(boundary));
}

/** Bytes a QoS 1 PUBLISH adds to its payload: fixed header, topic, packet id and (MQTT 5) an empty property length. */
export function publishOverhead(topicBytes: number, version: number): number {
  return 5 + 2 + topicBytes + 2 + (version === 5 ? 1 : 0);
}

export async function payloadLimit(kit: LimitsKit, advertisedPacketSize: number | undefined): Promise<Limit> {
  const topic = kit.topic('payload');
  // A client must not send a packet above the size the broker advertised [MQTT-3.2.2-15]: the search stays within it.
  const ceiling = Math.min(PAYLOAD_CEILING, advertisedPacketSize === undefined ? Infinity : advertisedPacketSize - publishOverhead(Buffer.byteLength(topic), kit.spec.protocolVersion));
  const measured = await searchPublishes(kit, 1, ceiling, (n) => kit.send(topic, Buffer.alloc(n, 0x61), { qos: 1 }));
  return { advertised: advertisedPacketSize === undefined ? undefined : advertisedPacketSize, measured: measured === undefined ? undefined : advertisedPacketSize === undefined ? measured : { ...measured, remark: `the broker's maximum packet size of ${advertisedPacketSize.toLocaleString('en-US')} bytes leaves room for this payload on this probe's topic` } };
}

export async function topicLengthLimit(kit: LimitsKit, advertisedPacketSize: number | undefined): Promise<Limit> {
  const base = `${kit.topic('length')}/`;
  const ceiling = Math.min(TOPIC_CEILING, advertisedPacketSize === undefined ? Infinity : advertisedPacketSize - publishOverhead(0, kit.spec.protocolVersion) - 1);
  const measured = await searchPublishes(kit, base.length + 1, ceiling, (n) => kit.send(`${base}${'x'.repeat(n - base.length)}`, 'limits', { qos: 1 }));
  return { advertised: undefined, measured };
}

export async function topicLevelsLimit(kit: LimitsKit): Promise<Limit> {
  const base = kit.topic('levels');
  const baseLevels = base.split('/').length;
  const measured = await searchPublishes(kit, baseLevels + 1, LEVELS_CEILING, (n) => kit.send(`${base}${'/l'.repeat(n - baseLevels)}`, 'limits', { qos: 1 }));
  return { advertised: undefined, measured };
}

/** Opens, reads the CONNACK, closes: the client-id and keepalive searches. */
async function accepts(kit: LimitsKit, over: Parameters<LimitsKit['open']>[0], read?: (connack: IConnackPacket) => void): Promise<{ ok: true } | { ok: false; why: string }> {
  const s = await kit.open(over);
  if (!('client' in s)) return { ok: false, why: s.message };
  read?.(s.connack);
  await s.close();
  return { ok: true };
}

function searchConnects(kit: LimitsKit, min: number, max: number, over: (n: number) => Parameters<LimitsKit['open']>[0]): Promise<Measured | undefined> {
  let refusal: string | undefined;
  return largestPassing(
    min,
    max,
    async (n) => {
      const r = await accepts(kit, over(n));
      if (!r.ok) refusal ??= r.why;
      return r.ok;
    },
    { probes: PROBES, inTime: () => kit.inTime() },
  ).then((s) => fromSearch(s, refusal === undefined ? undefined : { kind: 'refused', code: refusal }));
}

export async function clientIdLimit(kit: LimitsKit): Promise<Limit> {
  const stem = `${kit.spec.clientId}-i`;
  const id = (n: number): string => (n <= stem.length ? stem.slice(0, n) : `${stem}${'0'.repeat(n - stem.length)}`);
  const measured = await searchConnects(kit, 1, CLIENT_ID_CEILING, (n) => ({ clientId: id(n), clean: true }));
  return { advertised: undefined, measured };
}

/** Whether the broker takes an empty client identifier, and what it assigns (MQTT 5 says it in CONNACK). */
export async function emptyClientId(kit: LimitsKit): Promise<Limit> {
  let assigned: string | undefined;
  const r = await accepts(kit, { clientId: '', clean: true }, (c) => (assigned = c.properties?.assignedClientIdentifier));
  const value: LimitValue = !r.ok ? 'refused' : assigned !== undefined ? 'assigned' : 'accepted';
  return { advertised: undefined, measured: { value, ...(assigned === undefined ? {} : { remark: `the broker assigned '${assigned}'` }) } };
}

/** MQTT 5: the keepalive the broker grants to a client asking for the most; 3.1.1: the largest it accepts. */
export async function keepaliveLimit(kit: LimitsKit, main: Session): Promise<Limit> {
  const advertised = main.connack.properties?.serverKeepAlive;
  if (kit.spec.protocolVersion === 5) {
    let granted: number | undefined;
    const r = await accepts(kit, { clientId: `${kit.spec.clientId}-k`, keepaliveSeconds: KEEPALIVE_CEILING }, (c) => (granted = c.properties?.serverKeepAlive));
    if (!r.ok) return { advertised, measured: undefined, skipped: r.why };
    const value = granted ?? KEEPALIVE_CEILING;
    return { advertised, measured: granted === undefined ? { value, atLeast: true } : { value, remark: `a client asking for more is told to use ${value} s (Server Keep Alive)` } };
  }
  const measured = await searchConnects(kit, 1, KEEPALIVE_CEILING, (n) => ({ clientId: `${kit.spec.clientId}-k`, keepaliveSeconds: n }));
  const remark = measured !== undefined && measured.atLeast !== true ? `a 3.1.1 client asking for a keepalive above ${measured.value} s is refused: nothing tells it the limit` : undefined;
  return { advertised: undefined, measured: measured === undefined ? undefined : { ...measured, ...(remark === undefined ? {} : { remark }) } };
}
