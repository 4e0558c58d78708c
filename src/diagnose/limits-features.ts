/**
 * The features of `diagnose --limits`, each tried once on the private prefix: QoS honoured,
 * retained messages, wildcards, shared subscriptions, subscription identifiers, topic aliases,
 * the client's Receive Maximum kept, a session across a reconnect, the will delay, and (only
 * when asked) the publish rate the broker stands. Where the broker advertised a feature as
 * unavailable, the probe does not use it: that would break the specification.
 */
import type { IConnackPacket, IPublishPacket } from 'mqtt';
import type { Session } from '../connection/session.js';
import type { Qos } from '../protocol/types.js';
import { enforcementOf, type LimitsKit } from './limits-kit.js';
import { waitFor } from './probe.js';
import type { Limit } from '../report/limits-model.js';

const ANSWER_MS = 3_000;
const notOffered = (what: string): string => `the broker advertised ${what} as unavailable; using it anyway would be a protocol error`;

/** Subscribe on `session` and wait for the SUBACK: the granted QoS, or the refusal code. */
async function subscribe(session: Session, filter: string, qos: Qos, properties?: Record<string, unknown>): Promise<number> {
  const granted = await session.client.subscribeAsync(filter, { qos, ...(properties === undefined ? {} : { properties }) }).catch(() => [{ qos: 0x80 }]);
  return granted[0]?.qos ?? 0x80;
}

export async function maxQos(kit: LimitsKit, connack: IConnackPacket, grantedOnSubscribe: number): Promise<Limit> {
  const advertised = kit.spec.protocolVersion === 5 ? (connack.properties?.maximumQoS ?? 2) : undefined;
  if (advertised !== undefined && advertised < 2) {
    return { advertised, measured: { value: Math.min(advertised, grantedOnSubscribe), remark: `a QoS 2 subscription is granted QoS ${grantedOnSubscribe}` } };
  }
  const o = await kit.send(kit.topic('qos'), 'limits', { qos: 2 });
  if (o.kind !== 'delivered') {
    return { advertised, measured: { value: 1, enforcement: enforcementOf(o), remark: `a QoS 2 publish is ${o.kind === 'dropped' ? 'dropped' : o.kind === 'refused' ? `refused (${o.code})` : 'answered by ending the connection'}` } };
  }
  const honoured = Math.min(o.packet.qos, grantedOnSubscribe, o.ackedWith === 'puback' ? 1 : 2);
  const remarks = [
    ...(o.ackedWith === 'puback' ? ['a QoS 2 publish was answered with PUBACK: taken at QoS 1'] : []),
    ...(grantedOnSubscribe < 2 ? [`a QoS 2 subscription is granted QoS ${grantedOnSubscribe}`] : []),
    ...(o.packet.qos < 2 && grantedOnSubscribe === 2 ? [`a QoS 2 message reached a QoS 2 subscriber at QoS ${o.packet.qos}`] : []),
  ];
  return { advertised, measured: { value: honoured, ...(remarks.length === 0 ? {} : { remark: remarks.join('; ') }) } };
}

export async function retainLimit(kit: LimitsKit, connack: IConnackPacket): Promise<Limit> {
  const advertised = kit.spec.protocolVersion === 5 ? (connack.properties?.retainAvailable ?? true) : undefined;
  if (advertised === false) return { advertised, measured: undefined, skipped: notOffered('retained messages') };
  const topic = kit.topic('retained');
  const stored = await kit.send(topic, 'limits retained', { qos: 1, retain: true });
  if (stored.kind !== 'delivered') return { advertised, measured: { value: false, enforcement: enforcementOf(stored) } };
  try {
    // Subscribing again to the exact topic makes the broker send what it retained.
    const again = waitFor(kit.receiver.client, (p) => p.topic === topic && p.retain, ANSWER_MS);
    await subscribe(kit.receiver, topic, 1);
    const got = await again;
    return { advertised, measured: { value: got !== undefined, ...(got === undefined ? { remark: 'a retained message is delivered live but not kept for a new subscriber' } : {}) } };
  } finally {
    await kit.send(topic, Buffer.alloc(0), { qos: 1, retain: true });
  }
}

/** `+` on a connection of its own (the receiver's `#` is the other half); both must deliver. */
export async function wildcardLimit(kit: LimitsKit, connack: IConnackPacket, hashGranted: boolean): Promise<Limit> {
  const advertised = kit.spec.protocolVersion === 5 ? (connack.properties?.wildcardSubscriptionAvailable ?? true) : undefined;
  if (advertised === false) return { advertised, measured: undefined, skipped: notOffered('wildcard subscriptions') };
  const pub = await kit.publisher();
  const base = kit.topic('plus');
  const code = await subscribe(pub, `${base}/+`, 1);
  if (code >= 0x80) return { advertised, measured: { value: false, remark: `a '+' subscription is refused (0x${code.toString(16)})` } };
  const o = await kit.send(`${base}/x`, 'limits', { qos: 1 }, pub.client);
  const works = o.kind === 'delivered' && hashGranted;
  return { advertised, measured: { value: works, ...(works ? {} : { remark: hashGranted ? "a '+' subscription is granted but delivers nothing" : "a '#' subscription is refused" }) } };
}

export async function sharedLimit(kit: LimitsKit, connack: IConnackPacket): Promise<Limit> {
  const advertised = kit.spec.protocolVersion === 5 ? (connack.properties?.sharedSubscriptionAvailable ?? true) : undefined;
  if (advertised === false) return { advertised, measured: undefined, skipped: notOffered('shared subscriptions') };
  const pub = await kit.publisher();
  const topic = kit.topic('shared');
  const code = await subscribe(pub, `$share/mqtt-tool/${topic}`, 1);
  if (code >= 0x80) return { advertised, measured: { value: false, remark: `a $share subscription is refused (0x${code.toString(16)})` } };
  const o = await kit.send(topic, 'limits', { qos: 1 }, pub.client);
  return { advertised, measured: { value: o.kind === 'delivered', ...(o.kind === 'delivered' ? {} : { remark: 'a $share subscription is granted but delivers nothing' }) } };
}

export async function subscriptionIdLimit(kit: LimitsKit, connack: IConnackPacket): Promise<Limit> {
  const advertised = connack.properties?.subscriptionIdentifiersAvailable ?? true;
  if (!advertised) return { advertised, measured: undefined, skipped: notOffered('subscription identifiers') };
  const pub = await kit.publisher();
  const topic = kit.topic('subid');
  const code = await subscribe(pub, topic, 1, { subscriptionIdentifier: 42 });
  if (code >= 0x80) return { advertised, measured: { value: false, remark: `a subscription with an identifier is refused (0x${code.toString(16)})` } };
  const o = await kit.send(topic, 'limits', { qos: 1 }, pub.client);
  const ids = o.kind === 'delivered' ? ([] as number[]).concat(o.packet.properties?.subscriptionIdentifier ?? []) : [];
  const works = ids.includes(42);
  return { advertised, measured: { value: works, ...(works ? {} : { remark: 'messages arrive without the identifier of the subscription' }) } };
}

/** A topic alias up to the advertised maximum, set then used with an empty topic; above it would be a protocol error. */
export async function topicAliasLimit(kit: LimitsKit, connack: IConnackPacket): Promise<Limit> {
  const advertised = connack.properties?.topicAliasMaximum ?? 0;
  if (advertised === 0) return { advertised, measured: undefined, skipped: 'the broker takes no topic alias (maximum 0): sending one would be a protocol error' };
  const topic = kit.topic('alias');
  const first = await kit.send(topic, 'limits 1', { qos: 1, properties: { topicAlias: advertised } });
  const second = first.kind === 'delivered' ? await kit.send(topic, 'limits 2', { qos: 1, byAliasOnly: true, properties: { topicAlias: advertised } }) : first;
  const works = second.kind === 'delivered';
  return { advertised, measured: { value: works ? advertised : 0, ...(works ? {} : { enforcement: enforcementOf(second as Exclude<typeof second, { kind: 'delivered' }>), remark: `a publish with topic alias ${advertised} failed` }) } };
}

/** Whether the broker keeps to the client's Receive Maximum: it may have at most that many QoS 1 messages unacknowledged. */
export async function receiveMaximumLimit(kit: LimitsKit, connack: IConnackPacket): Promise<Limit> {
  const advertised = connack.properties?.receiveMaximum ?? 65_535;
  const ours = 3;
  const held: Array<() => void> = [];
  // Counted on the wire: MQTT.js hands over one message at a time, so the count of its callbacks would say nothing.
  let onWire = 0;
  let handed = 0;
  const slow = await kit.open(
    { clientId: `${kit.spec.clientId}-m`, connectProperties: { ...kit.spec.connectProperties, receiveMaximum: ours } },
    {
      handleMessage: (_c, _packet, done) => {
        handed += 1;
        held.push(() => done());
      },
      ackTap: {
        handler: undefined,
        onPacket: (header) => {
          if (header >> 4 === 3) onWire += 1;
          return false;
        },
      },
    },
  );
  if (!('client' in slow)) return { advertised, measured: undefined, skipped: slow.message };
  try {
    const topic = kit.topic('inflight');
    await subscribe(slow, topic, 1);
    const pub = await kit.publisher();
    const total = ours * 3;
    for (let i = 0; i < total; i += 1) {
      kit.messages += 1;
      pub.client.publish(topic, `limits ${i}`, { qos: 1 });
    }
    await until(() => onWire >= total, kit.dropWaitMs);
    const before = onWire;
    for (const done of held.splice(0)) done();
    const rest = until(() => handed >= total, ANSWER_MS);
    const release = setInterval(() => held.splice(0).forEach((d) => d()), 10);
    await rest.finally(() => clearInterval(release));
    const kept = before <= ours;
    return {
      advertised,
      measured: { value: advertised, remark: kept ? `the broker keeps to a client's Receive Maximum (${ours}: it sent ${before} before the first acknowledgement)` : `the broker sent ${before} unacknowledged messages to a client whose Receive Maximum is ${ours}` },
    };
  } finally {
    held.splice(0).forEach((d) => d());
    await slow.close();
  }
}

function until(done: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const tick = setInterval(() => {
      if (done() || performance.now() - t0 >= ms) {
        clearInterval(tick);
        resolve();
      }
    }, 10);
  });
}

/** A session kept across a reconnect: subscribe, leave, a message is published, come back without a clean start. */
export async function sessionLimit(kit: LimitsKit): Promise<Limit> {
  const v5 = kit.spec.protocolVersion === 5;
  const requested = 30;
  const id = `${kit.spec.clientId}-s`;
  const topic = kit.topic('session');
  const first = await kit.open({ clientId: id, clean: true, sessionExpirySeconds: v5 ? requested : undefined, ...(v5 ? {} : { clean: false }) });
  if (!('client' in first)) return { advertised: undefined, measured: undefined, skipped: first.message };
  const advertised = v5 ? first.connack.properties?.sessionExpiryInterval : undefined;
  await subscribe(first, topic, 1);
  await first.close();
  await kit.send(topic, 'limits session', { qos: 1 }, kit.receiver.client);
  let resumed: boolean | undefined;
  let delivered: IPublishPacket | undefined;
  const queued: IPublishPacket[] = [];
  const back = await kit.open({ clientId: id, clean: false, sessionExpirySeconds: v5 ? 0 : undefined }, { handleMessage: (_c, p, done) => (queued.push(p), done()) });
  if ('client' in back) {
    resumed = back.connack.sessionPresent;
    await until(() => queued.some((p) => p.topic === topic), kit.dropWaitMs);
    delivered = queued.find((p) => p.topic === topic);
    await back.close();
  }
  if (!v5) {
    // 3.1.1 keeps a persistent session until a clean connection ends it.
    const clean = await kit.open({ clientId: id, clean: true });
    if ('client' in clean) await clean.close();
  }
  const kept = resumed === true && delivered !== undefined;
  const granted = advertised ?? requested;
  return {
    advertised,
    measured: {
      value: v5 ? (kept ? granted : 0) : kept ? 'kept' : 'lost',
      ...(kept ? {} : { remark: resumed === true ? 'the session was resumed but the message published meanwhile was lost' : 'the session was not kept across a reconnect: a device that drops off loses its subscriptions and the messages sent meanwhile' }),
    },
  };
}

/** MQTT 5's will delay: a will with a 1 s delay, the socket cut, and when the will arrives. */
export async function willDelayLimit(kit: LimitsKit): Promise<Limit> {
  const delayS = 1;
  const topic = kit.topic('will');
  const id = `${kit.spec.clientId}-w`;
  const dying = await kit.open({ clientId: id, sessionExpirySeconds: 10, will: { topic, payload: Buffer.from('limits will'), qos: 1, retain: false, delaySeconds: delayS, properties: undefined } });
  if (!('client' in dying)) return { advertised: undefined, measured: undefined, skipped: dying.message };
  const arrival = waitFor(kit.receiver.client, (p) => p.topic === topic, (delayS + 3) * 1000);
  const t0 = performance.now();
  dying.client.stream.destroy();
  dying.client.end(true);
  const got = await arrival;
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  // The session outlives the will delay: a clean connection with that id ends it.
  const clean = await kit.open({ clientId: id, clean: true, sessionExpirySeconds: 0 });
  if ('client' in clean) await clean.close();
  if (got === undefined) return { advertised: undefined, measured: { value: false, remark: `a will with a ${delayS} s delay was not delivered within ${delayS + 3} s` } };
  const honoured = seconds >= delayS * 0.8;
  return { advertised: undefined, measured: { value: seconds, remark: honoured ? `a will with a ${delayS} s delay arrived after ${seconds} s` : `the will delay is not honoured: a will with a ${delayS} s delay arrived after ${seconds} s` } };
}

/** Only with --limits-rate: QoS 0 for one second at each rate, doubling from 100 msg/s to the ceiling, until the broker objects. */
export async function rateLimit(kit: LimitsKit, ceiling: number): Promise<Limit> {
  let sustained = 0;
  for (let rate = Math.min(100, ceiling); rate <= ceiling && kit.inTime(); rate = rate === ceiling ? Infinity : Math.min(rate * 2, ceiling)) {
    const pub = await kit.publisher();
    let ended = false;
    const onClose = (): void => {
      ended = true;
    };
    pub.client.once('close', onClose);
    const topic = kit.topic('rate');
    const t0 = performance.now();
    for (let i = 0; i < rate && !ended; i += 1) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      kit.messages += 1;
      pub.client.publish(topic, 'r', { qos: 0 });
    }
    await new Promise((r) => setTimeout(r, 200));
    pub.client.removeListener('close', onClose);
    if (ended) return { advertised: undefined, measured: { value: sustained, enforcement: { kind: 'disconnected', code: undefined }, remark: `the broker ended the connection at ${rate} msg/s; ${sustained} msg/s passed` } };
    sustained = rate;
  }
  const why = sustained >= ceiling ? '--limits-rate' : 'the time bound, --limits-timeout';
  return { advertised: undefined, measured: { value: sustained, atLeast: true, remark: `the probe went up to ${sustained} msg/s without a disconnect; ${why} stopped it` } };
}

