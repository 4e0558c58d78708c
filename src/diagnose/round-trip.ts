/** Step 6: subscribe, publish and receive at QoS 0, 1 and 2 on a private topic, each timed; the broker's $SYS version. */
import type { IPublishPacket, MqttClient, Packet } from 'mqtt';
import { describeRefusal } from '../connection/explain.js';
import { ExitCode } from '../errors.js';
import type { ProtocolVersion, Qos } from '../protocol/types.js';
import { waitFor, withTimeout } from './probe.js';
import { SYS_WAIT_MS, WAIT_MS, type StepResult } from './step.js';

const PICK_TEST_TOPIC = 'Use --test-topic to pick a topic the ACL allows.';

/** The first message on exactly `topic` within `ms`, else undefined. */
export function waitForMessage(client: MqttClient, topic: string, ms: number): Promise<IPublishPacket | undefined> {
  return waitFor(client, (p) => p.topic === topic, ms);
}

/**
 * A QoS 2 round trip many times a QoS 1 one: on a broker that leaves Nagle's algorithm on, PUBREC and
 * PUBCOMP (small writes with nothing after them) wait for the client's delayed TCP ACK. Measured on a
 * default Mosquitto: 47 ms against 4 ms at QoS 1, and 5.8 ms with set_tcp_nodelay true.
 */
export function slowQos2Note(msByQos: ReadonlyMap<Qos, number>): string | undefined {
  const q1 = msByQos.get(1);
  const q2 = msByQos.get(2);
  if (q1 === undefined || q2 === undefined || q2 < 30 || q2 < 5 * q1) return undefined;
  return `QoS 2 took ${(q2 / q1).toFixed(0)} times as long as QoS 1: the broker likely leaves Nagle's algorithm on, so its PUBREC and PUBCOMP wait for TCP delayed ACKs (Mosquitto: set_tcp_nodelay true)`;
}

/**
 * `maxQos`: the Maximum QoS the broker advertised (2 when it said nothing); a client must not
 * publish above it [MQTT-3.2.2-11], so higher levels are not tried.
 */
export async function roundTrip(client: MqttClient, base: string, version: ProtocolVersion, maxQos: Qos): Promise<Omit<StepResult, 'ms'>> {
  const granted = await withTimeout(client.subscribeAsync(`${base}/#`, { qos: 2 }).catch((e: unknown) => e as Error), WAIT_MS, () => new Error('no SUBACK'));
  if (granted instanceof Error) return { name: 'round trip', status: 'fail', finding: `SUBSCRIBE failed: ${granted.message}`, hint: 'The broker did not acknowledge the subscription in time.', exitCode: ExitCode.timeout };
  const code = granted[0]?.qos ?? 0;
  if (code >= 0x80) {
    const r = describeRefusal(`subscription to '${base}/#'`, 'suback', version, code);
    return { name: 'round trip', status: 'fail', finding: r.message, hint: `${r.hint} ${PICK_TEST_TOPIC}`, exitCode: ExitCode.rejected };
  }
  const details: Array<[string, string]> = [];
  const msByQos = new Map<Qos, number>();
  const downgrades: string[] = [];
  if (code < 2) downgrades.push(`the SUBACK granted QoS ${code} for QoS 2`);
  if (maxQos < 2) downgrades.push(`its CONNACK advertises a maximum QoS of ${maxQos}, so higher levels were not tried`);
  const levels = ([1, 2, 0] as Qos[]).filter((q) => q <= maxQos);
  // QoS 1 first: an MQTT 5 broker names an ACL refusal in its PUBACK, where QoS 0 is dropped silently.
  for (const qos of levels) {
    const topic = `${base}/q${qos}`;
    const arrival = waitForMessage(client, topic, WAIT_MS);
    const acks: string[] = [];
    const onAck = (p: Packet): void => {
      if (p.cmd === 'puback' || p.cmd === 'pubrec' || p.cmd === 'pubcomp') acks.push(p.cmd);
    };
    client.on('packetreceive', onAck);
    const t = performance.now();
    const pubErr = await withTimeout(
      client.publishAsync(topic, `diagnose ${qos}`, { qos }).then(() => undefined, (e: Error & { code?: number }) => e),
      WAIT_MS,
      () => Object.assign(new Error('no acknowledgement'), { timedOut: true }),
    ).finally(() => client.removeListener('packetreceive', onAck));
    if (pubErr !== undefined && 'timedOut' in pubErr) {
      return { name: 'round trip', status: 'fail', finding: `published at QoS ${qos} to '${topic}' and got no ${qos === 1 ? 'PUBACK' : 'PUBREC/PUBCOMP'} within ${WAIT_MS / 1000} s`, hint: 'The broker takes messages but does not acknowledge them: check its log and load.', exitCode: ExitCode.timeout, details };
    }
    if (pubErr !== undefined) {
      const c = typeof pubErr.code === 'number' ? pubErr.code : 0x80;
      const r = describeRefusal(`publish at QoS ${qos} to '${topic}'`, qos === 2 ? 'pubrec' : 'puback', version, c);
      return { name: 'round trip', status: 'fail', finding: r.message, hint: `${r.hint} ${PICK_TEST_TOPIC}`, exitCode: ExitCode.rejected, details };
    }
    // A broker without QoS 2 answers a QoS 2 PUBLISH with PUBACK: it took the message at QoS 1.
    if (qos === 2 && acks.includes('puback')) downgrades.push('a QoS 2 publish was answered with PUBACK');
    const got = await arrival;
    if (got === undefined) {
      return {
        name: 'round trip',
        status: 'fail',
        finding: `published at QoS ${qos} to '${topic}' but it was never delivered within ${WAIT_MS / 1000} s`,
        hint: 'An ACL probably forbids reading or writing the test topic (MQTT 3.1.1 brokers and QoS 0 drop silently): use --test-topic with an allowed topic. Brokers drop messages past their limits silently too: `mqtt-tool diagnose --limits` measures them.',
        exitCode: ExitCode.rejected,
        details,
      };
    }
    msByQos.set(qos, performance.now() - t);
    details.push([`QoS ${qos}`, `${(performance.now() - t).toFixed(1)} ms${got.qos < qos ? ` (delivered at QoS ${got.qos})` : ''}`]);
  }
  // Run in the order 1, 2, 0 (above); shown in the order a person reads them.
  details.sort(([a], [b]) => a.localeCompare(b));
  const note = slowQos2Note(msByQos);
  if (note !== undefined) details.push(['note', note]);
  if (downgrades.length > 0) {
    return {
      name: 'round trip',
      status: 'warn',
      finding: `subscribe, publish and receive work at QoS ${[...levels].sort().join(', ')}; QoS 2 is downgraded by the broker (${downgrades.join('; ')})`,
      hint: 'This broker has no QoS 2: messages sent at QoS 2 arrive at least once, not exactly once. pub warns about it (--strict-qos makes it an error); `mqtt-tool diagnose --limits` measures the other limits.',
      details,
    };
  }
  return { name: 'round trip', status: 'ok', finding: `subscribe, publish and receive work at QoS 0, 1 and 2 (${base}/#)`, details };
}

/** Mosquitto (and brokers that copy it) publish their version, retained, on $SYS/broker/version; others stay silent. */
export async function brokerVersion(client: MqttClient): Promise<string | undefined> {
  const topic = '$SYS/broker/version';
  const arrival = waitForMessage(client, topic, SYS_WAIT_MS);
  const granted = await withTimeout(client.subscribeAsync(topic, { qos: 0 }).catch(() => undefined), SYS_WAIT_MS, () => undefined);
  if (granted === undefined || (granted[0]?.qos ?? 0x80) >= 0x80) return undefined;
  const got = await arrival;
  await withTimeout(client.unsubscribeAsync(topic).catch(() => undefined), SYS_WAIT_MS, () => undefined);
  return got === undefined ? undefined : Buffer.from(got.payload).toString('utf8').slice(0, 100);
}
