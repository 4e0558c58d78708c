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
      const r = await runCli(['bench', ...at(port), '--qos', '0', '--messages', '200', '--json', '--drain', '1'], { timeoutMs: 60_000 });
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
