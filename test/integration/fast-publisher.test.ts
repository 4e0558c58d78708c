/** The publish hot path (src/connection/fast-publisher.ts) in-process against a real Mosquitto. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Session } from '../../src/connection/session.js';
import { FastPublisher } from '../../src/connection/fast-publisher.js';
import { buildConnectionSpec } from '../../src/setup/build-spec.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker.stop();
});

async function session(): Promise<Session> {
  const spec = buildConnectionSpec(
    { host: '127.0.0.1', port: broker.port },
    { env: {}, readFile: () => Buffer.alloc(0), readCaDirectory: () => [], osCaCertificates: () => [], randomId: () => Math.random().toString(16).slice(2), longRunning: false },
  );
  return connect(spec, { notice: () => {} });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))]);
}

describe('FastPublisher.brokerHasRead', () => {
  it('resolves only after the broker processed every QoS 0 message written before it', async () => {
    const s = await session();
    const pub = new FastPublisher(s.client, s.spec.protocolVersion, 1000);
    const topic = `fp/${Math.random()}`;
    const n = 20_000;
    for (let i = 1; i <= n; i++) {
      await pub.room();
      // The last message is retained: a subscriber arriving later sees which one the broker processed last.
      pub.publish(topic, Buffer.from(`m-${i}`), 0, i === n || i === 1);
    }
    await pub.drained();
    expect(await withTimeout(pub.brokerHasRead(), 10_000, 'PINGRESP')).toBe(true);
    const late = await testClient(broker.url);
    const got = await collectMessages(late, topic);
    await got.waitFor(1, 5_000);
    expect(got.messages[0]?.payload.toString()).toBe(`m-${n}`);
    await late.endAsync();
    await s.close();
  });

  it('keeps counting when MQTT.js sends its own keepalive PINGREQ', async () => {
    const s = await session();
    const pub = new FastPublisher(s.client, s.spec.protocolVersion, 1000);
    s.client.sendPing();
    expect(await withTimeout(pub.brokerHasRead(), 5_000, 'first PINGRESP')).toBe(true);
    expect(await withTimeout(pub.brokerHasRead(), 5_000, 'second PINGRESP')).toBe(true);
    await s.close();
  });
});

describe('QoS 0 checkpoints', () => {
  it('stop a publisher at most 256 KiB ahead of what the broker has read, and let it go on once the broker reads', async () => {
    const s = await session();
    const pub = new FastPublisher(s.client, s.spec.protocolVersion, 1000);
    const payload = Buffer.alloc(1000, 0x61);
    broker.pause();
    try {
      let bytes = 0;
      // Far more than the socket buffers hold, so only the checkpoints can stop it early.
      while (pub.hasRoom() && bytes < 64 * 1024 * 1024) {
        pub.publish('fp/ahead', payload, 0, false);
        bytes += payload.length;
        if (bytes % (256 * 1024) < payload.length) await new Promise((r) => setTimeout(r, 5));
      }
      expect(bytes).toBeLessThanOrEqual(4 * 64 * 1024 + 2 * payload.length);
      expect(bytes).toBeGreaterThan(3 * 64 * 1024);
    } finally {
      broker.resume();
    }
    await withTimeout(pub.room(), 10_000, 'room after the broker resumed');
    await s.close();
  });
});

