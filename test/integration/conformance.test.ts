/**
 * What a broker that breaks the protocol gets from mqtt-tool: a short error in words, an exit code
 * from the table, no stack trace, no "internal error", no wait without a bound. A scripted fake
 * broker sends what no real broker sends.
 */
import { describe, expect, test } from 'vitest';
import { collect, runCli, spawnCli } from '../helpers/cli.js';
import { startFakeBroker, type FakeBehaviour } from '../helpers/fake-broker.js';

const at = (port: number): string[] => ['-h', '127.0.0.1', '-p', String(port)];

/** Every run here must end as a user expects: a code from the table, words, no trace. */
function expectCleanFailure(r: { code: number | null; stderr: string }, code: number, words: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(words);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at |RangeError|TypeError/);
}

async function withFake<T>(behaviour: FakeBehaviour, run: (port: number) => Promise<T>): Promise<T> {
  const fake = await startFakeBroker(behaviour);
  try {
    return await run(fake.port);
  } finally {
    await fake.close();
  }
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ''), 'hex');

describe('broken packets from the broker end the connection as a protocol error', () => {
  test.each([
    ['sub -V 5: a PUBLISH of 0 bytes', ['sub', '-V', '5', '-t', 'x'], hex('30 00'), /a PUBLISH of 0 bytes/],
    ['sub -V 5: a PUBLISH whose topic runs past its end', ['sub', '-V', '5', '-t', 'x'], hex('32 05 00 09 61 62 63'), /topic runs past its end/],
    ['sub -V 311: a QoS 2 PUBLISH cut before its packet id', ['sub', '-V', '311', '-t', 'x'], hex('34 04 00 01 74 01'), /cut short before its packet identifier/],
    ['sub -V 5: a PUBREL of 0 bytes', ['sub', '-V', '5', '-t', 'x'], hex('62 00'), /a PUBREL of 0 bytes/],
    ['sub -V 5: a property length cut short', ['sub', '-V', '5', '-t', 'x'], hex('30 04 00 01 74 80'), /property length is cut short/],
  ])('%s: exit 4', async (_what, args, bytes, words) => {
    await withFake({ kind: 'after-suback', bytes }, async (port) => {
      const r = await runCli([...args, ...at(port), '--no-reconnect', '-W', '5'], { timeoutMs: 15_000 });
      expectCleanFailure(r, 4, words);
      expect(r.stderr).toContain('broke the MQTT protocol');
      expect(r.stdout).toBe('');
    });
  });
  test.each([
    ['pub -q 1 -V 311: a QoS 2 PUBLISH cut before its packet id', '311', hex('34 04 00 01 74 01'), /cut short before its packet identifier/],
    ['pub -q 1 -V 5: a PUBACK whose properties run past its end', '5', hex('40 04 00 01 00 05'), /a PUBACK whose properties \(5 bytes\) run past its end/],
    ['pub -q 1 -V 311: a PUBACK with extra bytes', '311', hex('40 03 00 01 00'), /a PUBACK of 3 bytes; MQTT 3.1.1 gives it exactly 2/],
    ['pub -q 1 -V 5: a PUBACK with a reason code PUBACK cannot carry', '5', hex('40 03 00 01 92'), /reason code 0x92, which a PUBACK cannot carry/],
    ['pub -q 1 -V 5: a PUBCOMP for a QoS 1 message', '5', hex('70 02 00 01'), /a PUBCOMP for message id 1, sent at QoS 1/],
  ])('%s: exit 4, never 0', async (_what, version, bytes, words) => {
    await withFake({ kind: 'answer-publish', bytes }, async (port) => {
      const r = await runCli(['pub', ...at(port), '-V', version, '-q', '1', '-t', 'x', '-m', 'y'], { timeoutMs: 15_000 });
      expectCleanFailure(r, 4, words);
    });
  });
  test('bench: a broken PUBLISH to a subscriber is a disconnect in words, not "internal error"', async () => {
    await withFake({ kind: 'after-suback', bytes: hex('30 00') }, async (port) => {
      const r = await runCli(['bench', ...at(port), '--qos', '0', '--messages', '200', '--trials', '1', '--warmup', '0', '--json', '--drain', '1'], { timeoutMs: 60_000 });
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr + r.stdout).toMatch(/disconnect|broke the MQTT protocol/);
      expect([4, 8]).toContain(r.code);
    });
  });
});

describe('waits that a broken broker could make endless are bounded', () => {
  test('sub: a connection cut inside the SUBACK reconnects, subscribes again, and -W still ends it', async () => {
    const fake = await startFakeBroker({ kind: 'cut-suback-once' });
    try {
      const r = await runCli(['sub', ...at(fake.port), '-t', 'x', '-W', '3', '--reconnect-period', '0.2'], { timeoutMs: 15_000 });
      expectCleanFailure(r, 6, /-W 3: time is up/);
      expect(r.stderr).toMatch(/reconnecting/);
      expect(fake.received().filter((p) => p.cmd === 'subscribe')).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });
  test('bench: a SUBACK with the wrong packet id is a timeout naming the SUBACK, within the connect timeout', async () => {
    await withFake({ kind: 'suback-wrong-id' }, async (port) => {
      const r = await runCli(['bench', ...at(port), '--qos', '0', '--messages', '100', '--connect-timeout', '2'], { timeoutMs: 30_000 });
      expectCleanFailure(r, 6, /no SUBACK for '.*' within 2 s/);
    });
  });
  test('bench: SIGTERM while a subscriber waits for its SUBACK stops it at once, exit 130', async () => {
    const fake = await startFakeBroker({ kind: 'suback-wrong-id' });
    try {
      const child = spawnCli(['bench', ...at(fake.port), '--qos', '0', '--messages', '100', '--connect-timeout', '30']);
      const deadline = Date.now() + 10_000;
      while (!fake.received().some((p) => p.cmd === 'subscribe') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGTERM');
      const r = await collect(child, 10_000);
      expectCleanFailure(r, 130, /interrupted while the bench clients were connecting/);
    } finally {
      await fake.close();
    }
  });
});

describe('limits and rules mqtt-tool keeps itself', () => {
  test('--topic-alias above the broker\'s Topic Alias Maximum is refused before sending (exit 2); within it, it goes', async () => {
    const { startMosquitto } = await import('../helpers/mosquitto.js');
    const b = await startMosquitto({ extra: ['max_topic_alias 2'] });
    try {
      const over = await runCli(['pub', ...at(b.port), '-V', '5', '--topic-alias', '3', '-t', 'x', '-m', 'y']);
      expectCleanFailure(over, 2, /topic alias 3 is above the broker's Topic Alias Maximum \(2, from its CONNACK\)/);
      const within = await runCli(['pub', ...at(b.port), '-V', '5', '--topic-alias', '2', '-t', 'x', '-m', 'y']);
      expect(within.code).toBe(0);
    } finally {
      await b.stop();
    }
  });
  test('-D disconnect session-expiry-interval without one on CONNECT is refused before connecting', async () => {
    const r = await runCli(['pub', '-h', '127.0.0.1', '-p', '1', '-D', 'disconnect', 'session-expiry-interval', '30', '-t', 'x', '-m', 'y']);
    expectCleanFailure(r, 2, /MQTT 5 forbids setting it on DISCONNECT when CONNECT set none/);
    const ok = await runCli(['pub', '-h', '127.0.0.1', '-p', '1', '-x', '60', '-D', 'disconnect', 'session-expiry-interval', '30', '-t', 'x', '-m', 'y', '--connect-timeout', '1']);
    expect(ok.code).toBe(4);
  });
  test('topic aliases the broker sets are resolved per connection; an alias never set is a protocol error', async () => {
    const mqttPacket = (await import('mqtt-packet')).default;
    const publish = (topic: string, alias: number, payload: string): Buffer =>
      mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, dup: false, retain: false, properties: { topicAlias: alias } } as never, { protocolVersion: 5 });
    const bytes = Buffer.concat([publish('a/b', 1, 'one'), publish('', 1, 'two'), publish('', 2, 'three')]);
    await withFake({ kind: 'after-suback', bytes }, async (port) => {
      const r = await runCli(['sub', ...at(port), '-V', '5', '-t', 'a/#', '-F', 'jsonl', '-D', 'connect', 'topic-alias-maximum', '5', '--no-reconnect'], { timeoutMs: 15_000 });
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { topic: string; payload: string });
      expect(lines.map((l) => [l.topic, l.payload])).toEqual([['a/b', 'one'], ['a/b', 'two']]);
      expectCleanFailure(r, 4, /topic alias 2 and no topic, but the alias was never set on this connection/);
    });
  });
  test('a message on a topic none of the filters match is printed and named once on stderr', async () => {
    const mqttPacket = (await import('mqtt-packet')).default;
    const publish = (topic: string): Buffer => mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from('p'), qos: 0, dup: false, retain: false } as never, { protocolVersion: 4 });
    await withFake({ kind: 'after-suback', bytes: Buffer.concat([publish('other/x'), publish('other/x'), publish('a/1')]) }, async (port) => {
      const r = await runCli(['sub', ...at(port), '-V', '311', '-t', 'a/#', '-C', '3', '-v'], { timeoutMs: 15_000 });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('other/x p\nother/x p\na/1 p\n');
      expect(r.stderr.match(/matches none of this run's filters/g)).toHaveLength(1);
    });
  });
});

const WILL = ['--will-topic', 'allowed/will', '--will-payload', 'gone'];

describe('when mqtt-tool decides to stop, it sends DISCONNECT: the broker publishes no will', () => {
  test.each([
    ['rr whose -W runs out', ['rr', '-t', 'allowed/req', '-e', 'allowed/resp', '-m', 'q', '-W', '1'], 6],
    ['pub refusing a payload above the broker\'s maximum packet size', ['pub', '-t', 'allowed/x', '-m', 'x'.repeat(300), '-q', '1'], 7],
  ])('%s', async (_what, args, code) => {
    const { startMosquitto } = await import('../helpers/mosquitto.js');
    const { testClient, collectMessages } = await import('../helpers/mqtt-client.js');
    const b = await startMosquitto({ users: { alice: 'w' }, acl: 'user alice\ntopic readwrite allowed/#\n', extra: ['max_packet_size 200'] });
    const watcher = await testClient(`mqtt://127.0.0.1:${b.port}`, { username: 'alice', password: 'w', protocolVersion: 5 });
    try {
      const seen = await collectMessages(watcher, 'allowed/will', 1);
      const r = await runCli([...args, ...at(b.port), '-u', 'alice', '-P', 'w', '-V', '5', ...WILL], { timeoutMs: 20_000 });
      expect(r.code).toBe(code);
      // A will would be published as the connection closed, before this marker, which goes after the run.
      await watcher.publishAsync('allowed/will', 'marker', { qos: 1 });
      await seen.waitFor(1);
      expect(seen.messages.map((m) => m.payload.toString())).toEqual(['marker']);
    } finally {
      await watcher.endAsync();
      await b.stop();
    }
  });
  test.each([
    ['sub whose only subscription the broker refuses', { kind: 'suback-code', code: 0x87 } as const, ['sub', '-t', 'x'], 7],
    ['pub whose acknowledgement never comes (--ack-timeout)', { kind: 'drop-puback' } as const, ['pub', '-t', 'x', '-m', 'y', '-q', '1', '--ack-timeout', '0.5'], 6],
  ])('%s (scripted broker: DISCONNECT is the last packet)', async (_what, behaviour: FakeBehaviour, args, code) => {
    const fake = await startFakeBroker(behaviour);
    try {
      const r = await runCli([...args, ...at(fake.port), '-V', '5', ...WILL], { timeoutMs: 15_000 });
      expect(r.code).toBe(code);
      expect(fake.received().at(-1)?.cmd).toBe('disconnect');
    } finally {
      await fake.close();
    }
  });
});

describe('smaller things a careful user meets', () => {
  test('-V 31 against a broker that closes on it: the hint is to try -V 311', async () => {
    await withFake({ kind: 'close-after-connect' }, async (port) => {
      const r = await runCli(['pub', ...at(port), '-V', '31', '-t', 'x', '-m', 'y']);
      expectCleanFailure(r, 4, /may not speak MQTT 3\.1: try -V 311/);
    });
    await withFake({ kind: 'connack', code: 1, version: 4 }, async (port) => {
      const r = await runCli(['pub', ...at(port), '-V', '31', '-t', 'x', '-m', 'y']);
      expectCleanFailure(r, 3, /does not speak MQTT 3\.1: use -V 311/);
    });
  });

  test('-x without -c: a reconnect resumes the session, so a QoS 1 message sent while the link was down arrives', async () => {
    const { startMosquitto } = await import('../helpers/mosquitto.js');
    const { startCuttingProxy } = await import('../helpers/cutting-proxy.js');
    const { testClient } = await import('../helpers/mqtt-client.js');
    const { waitForStdout } = await import('../helpers/cli.js');
    const b = await startMosquitto();
    const proxy = await startCuttingProxy(b.port);
    try {
      const child = spawnCli(['sub', ...at(proxy.port), '-V', '5', '-x', '60', '-q', '1', '-t', 'rel/x', '-W', '20', '--reconnect-period', '2']);
      const done = collect(child, 30_000);
      const publisher = await testClient(`mqtt://127.0.0.1:${b.port}`);
      // Until the subscription exists, publish a probe; the first one that arrives proves it.
      const first = waitForStdout(child, 'before');
      for (let i = 0; i < 50; i++) {
        await publisher.publishAsync('rel/x', 'before', { qos: 1 });
        if (await Promise.race([first.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))])) break;
      }
      await first;
      expect(proxy.cut()).toBe(1);
      await publisher.publishAsync('rel/x', 'while-away', { qos: 1 });
      await publisher.endAsync();
      await waitForStdout(child, 'while-away', 15_000);
      child.kill('SIGINT');
      const r = await done;
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').filter((l) => l !== '' && l !== 'before')).toEqual(['while-away']);
      expect(r.stderr).toMatch(/reconnected to/);
    } finally {
      await proxy.close();
      await b.stop();
    }
  });

  test('sub -c -U alone prints nothing the kept session delivers, and exits 0', async () => {
    const { startMosquitto } = await import('../helpers/mosquitto.js');
    const { testClient } = await import('../helpers/mqtt-client.js');
    const b = await startMosquitto();
    try {
      const id = `conf-u-${process.pid}`;
      expect((await runCli(['sub', ...at(b.port), '-c', '-i', id, '-q', '1', '-t', 'u/x', '-E'])).code).toBe(0);
      const publisher = await testClient(`mqtt://127.0.0.1:${b.port}`);
      await publisher.publishAsync('u/x', 'queued', { qos: 1 });
      await publisher.endAsync();
      const r = await runCli(['sub', ...at(b.port), '-c', '-i', id, '-U', 'u/x']);
      expect(r).toMatchObject({ code: 0, stdout: '' });
    } finally {
      await b.stop();
    }
  });
});
