/** The other side of integration tests: a plain MQTT.js client against the same real broker. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export async function testClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options }, false);
}

export interface Collected {
  messages: Array<{ topic: string; payload: Buffer; retain: boolean; qos: number }>;
  /** Resolves when n messages arrived; rejects after timeoutMs. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
}

export async function collectMessages(client: MqttClient, filter: string, qos: 0 | 1 | 2 = 0): Promise<Collected> {
  const messages: Collected['messages'] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload, retain: packet.retain, qos: packet.qos });
    for (const w of waiters) w();
  });
  await client.subscribeAsync(filter, { qos });
  return {
    messages,
    waitFor: (n, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => reject(new Error(`only ${messages.length} of ${n} messages within ${timeoutMs} ms`)), timeoutMs);
        waiters.push(check);
        check();
      }),
  };
}
