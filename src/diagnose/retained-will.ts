/** Step 7: a retained message reaches a new subscriber (by exact topic and by wildcard); with --check-will, a will is delivered. */
import type { MqttClient } from 'mqtt';
import { connect, type ConnectOptions } from '../connection/session.js';
import { ExitCode } from '../errors.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { withTimeout } from './probe.js';
import { waitForMessage } from './round-trip.js';
import { SYS_WAIT_MS, WAIT_MS, type StepResult } from './step.js';

export async function retainedCheck(client: MqttClient, spec: ConnectionSpec, topic: string, dial: ConnectOptions): Promise<Omit<StepResult, 'ms'>> {
  const stored = await withTimeout(client.publishAsync(topic, 'diagnose retained', { qos: 1, retain: true }).then(() => true, () => false), WAIT_MS, () => false);
  if (!stored) return { name: 'retained', status: 'warn', finding: `a retained publish got no PUBACK within ${WAIT_MS / 1000} s`, hint: 'The broker may refuse retained messages on this topic.' };
  let fresh: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    fresh = await connect({ ...spec, clientId: `${spec.clientId}-r` }, dial);
    const arrival = waitForMessage(fresh.client, topic, WAIT_MS);
    await withTimeout(fresh.client.subscribeAsync(topic, { qos: 1 }).catch(() => undefined), WAIT_MS, () => undefined);
    const got = await arrival;
    if (got === undefined || !got.retain) {
      return { name: 'retained', status: 'warn', finding: 'a retained message was not delivered to a new subscriber', hint: 'The broker may have retained messages disabled (retain_available).' };
    }
    // Some brokers send retained messages to exact-topic subscriptions only (RabbitMQ's MQTT plugin before 3.12).
    const wildcard = `${topic.slice(0, topic.lastIndexOf('/'))}/+`;
    const again = waitForMessage(fresh.client, topic, SYS_WAIT_MS);
    await withTimeout(fresh.client.subscribeAsync(wildcard, { qos: 1 }).catch(() => undefined), WAIT_MS, () => undefined);
    if ((await again) === undefined) {
      return {
        name: 'retained',
        status: 'warn',
        finding: `a retained message reaches a subscription to its exact topic, but not a wildcard filter ('${wildcard}')`,
        hint: "This broker sends retained messages to exact-topic subscriptions only: sub --retained-only with '+' or '#' prints nothing here.",
      };
    }
    return { name: 'retained', status: 'ok', finding: 'a retained message reaches a new subscriber, by exact topic and by wildcard' };
  } catch (err) {
    return { name: 'retained', status: 'warn', finding: `could not check retained messages: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    // The new subscriber leaves first: were the clearing publish sent to it during its DISCONNECT, its
    // PUBACK would follow the DISCONNECT [MQTT-3.14.4-1].
    if (fresh !== undefined) await fresh.close();
    // This client's round-trip subscription covers the topic: it takes the clearing publish (and acknowledges
    // it) before the run goes on to close it.
    const echo = waitForMessage(client, topic, SYS_WAIT_MS);
    await withTimeout(client.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true }).catch(() => undefined), WAIT_MS, () => undefined);
    await echo;
  }
}

export async function willCheck(client: MqttClient, spec: ConnectionSpec, topic: string, dial: ConnectOptions): Promise<Omit<StepResult, 'ms'>> {
  const arrival = waitForMessage(client, topic, WAIT_MS);
  try {
    const dying = await connect(
      { ...spec, clientId: `${spec.clientId}-w`, will: { topic, payload: Buffer.from('diagnose will'), qos: 1, retain: false, delaySeconds: undefined, properties: undefined } },
      dial,
    );
    dying.client.stream.destroy();
    dying.client.end(true);
  } catch (err) {
    return { name: 'will', status: 'fail', finding: `a client with a will could not connect: ${err instanceof Error ? err.message : String(err)}`, exitCode: ExitCode.refused };
  }
  const got = await arrival;
  return got === undefined
    ? { name: 'will', status: 'warn', finding: `the will was not delivered within ${WAIT_MS / 1000} s of the socket dropping`, hint: 'The ACL may forbid the will topic, or the broker delays wills.' }
    : { name: 'will', status: 'ok', finding: 'the will is delivered when a client drops without DISCONNECT' };
}
