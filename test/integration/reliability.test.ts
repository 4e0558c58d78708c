/** Faults, signals, limits and secrets: the built binary against a real Mosquitto. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { collect, runCli, spawnCli, waitForStderr, waitForStdout } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { testClient } from '../helpers/mqtt-client.js';
import { tempDir } from '../helpers/temp.js';
import { SAME_REQUEST_MS } from '../../src/io/signals.js';

const tmp = tempDir('mqtt-tool-rel-');
const brokers: Mosquitto[] = [];
async function broker(options: Parameters<typeof startMosquitto>[0] = {}): Promise<Mosquitto> {
  const b = await startMosquitto(options);
  brokers.push(b);
  return b;
}
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});
const conn = (b: Mosquitto): string[] => ['-h', '127.0.0.1', '-p', String(b.port)];


describe('broker restart', () => {
  test('sub reconnects, subscribes again, says so once per event; with -c and QoS 1 nothing published meanwhile is lost', async () => {
    const b = await broker({ persistenceDir: mkdtempSync(join(tmp, 'persist-')) });
    const id = `rel-sub-${process.pid}`;
    const child = spawnCli(['sub', ...conn(b), '-t', 'rel/a', '-q', '1', '-c', '-i', id, '--reconnect-period', '1', '-W', '50']);
    const done = collect(child, 60_000);
    const pub = async (m: string): Promise<void> => {
      const c = await testClient(`mqtt://127.0.0.1:${b.port}`);
      await c.publishAsync('rel/a', m, { qos: 1 });
      await c.endAsync();
    };
    // Until the subscription exists, publish a probe; the first one that arrives proves it.
    const first = waitForStdout(child, 'before');
    for (let i = 0; i < 50; i++) {
      await pub('before');
      const arrived = await Promise.race([first.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
      if (arrived) break;
    }
    await first;
    await b.restart();
    await pub('while-away-1');
    await pub('while-away-2');
    // Any number of probes may have arrived before: the run ends once the second message is in.
    await waitForStdout(child, 'while-away-2', 30_000);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.filter((l) => l !== 'before')).toEqual(['while-away-1', 'while-away-2']);
    expect(r.stderr).toMatch(/connection lost; reconnecting to mqtt:\/\/127\.0\.0\.1/);
    expect(r.stderr).toMatch(/reconnected to mqtt:\/\/127\.0\.0\.1/);
    expect(r.stderr.split('\n').filter((l) => l.includes('reconnecting')).length).toBe(1);
  });

  test('pub -l at QoS 1 across a restart: every line read is delivered, exit 0', async () => {
    const b = await broker({ persistenceDir: mkdtempSync(join(tmp, 'persist-')) });
    const sub = spawnCli(['sub', ...conn(b), '-t', 'rel/lines', '-q', '1', '-c', '-i', `rel-lines-${process.pid}`, '--reconnect-period', '0.5', '-d']);
    const subDone = collect(sub, 90_000);
    let seen = '';
    sub.stdout?.on('data', (d: Buffer) => (seen += d.toString()));
    await waitForStderr(sub, '<-- SUBACK');
    const pub = spawnCli(['pub', ...conn(b), '-t', 'rel/lines', '-q', '1', '-l', '-c', '-i', `rel-pub-${process.pid}`, '--reconnect-period', '0.5']);
    const pubDone = collect(pub, 90_000);
    const lines = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `line-${from + i}`).join('\n') + '\n';
    pub.stdin?.write(lines(0, 2000));
    // Restart only once lines flow: the first connection of pub is not retried, and on a loaded
    // machine a fixed pause could restart the broker before pub had connected.
    for (let t = Date.now(); !seen.includes('line-0\n') && Date.now() - t < 10_000; ) await new Promise((r) => setTimeout(r, 20));
    await b.restart();
    pub.stdin?.end(lines(2000, 2000));
    const p = await pubDone;
    expect(p.code).toBe(0);
    expect(p.stderr).toContain('reconnected');
    // QoS 1 is at least once: duplicates are allowed, loss is not.
    const want = new Set(Array.from({ length: 4000 }, (_, i) => `line-${i}`));
    const deadline = Date.now() + 15_000;
    const complete = (): boolean => {
      const lines = new Set(seen.split('\n'));
      return [...want].every((l) => lines.has(l));
    };
    while (Date.now() < deadline && !complete()) await new Promise((r) => setTimeout(r, 100));
    sub.kill('SIGINT');
    const s = await subDone;
    const got = new Set(s.stdout.split('\n').filter(Boolean));
    expect([...want].filter((l) => !got.has(l))).toEqual([]);
  });
});

test('a dead peer (broker stopped with SIGSTOP) is detected by keepalive: exit 4 with --no-reconnect', async () => {
  const b = await broker();
  const child = spawnCli(['sub', ...conn(b), '-t', 'rel/dead', '-k', '1', '--no-reconnect', '-d']);
  const done = collect(child, 30_000);
  await waitForStderr(child, '<-- SUBACK');
  const t0 = Date.now();
  b.pause();
  try {
    const r = await done;
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/mqtt-tool: .*(lost|keepalive|Keepalive)/i);
    // keepalive 1 s: detected well within a few keepalive periods.
    expect(Date.now() - t0).toBeLessThan(10_000);
  } finally {
    b.resume();
  }
});

describe('signals', () => {
  test('SIGTERM during pub -l: publishes what it read, waits for acks, disconnects, exit 0', async () => {
    const b = await broker();
    const got: string[] = [];
    const c = await testClient(`mqtt://127.0.0.1:${b.port}`);
    c.on('message', (_t, p) => got.push(p.toString()));
    await c.subscribeAsync('rel/term', { qos: 1 });
    const pub = spawnCli(['pub', ...conn(b), '-t', 'rel/term', '-q', '1', '-l']);
    const done = collect(pub);
    pub.stdin?.write('one\ntwo\n');
    const deadline = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    pub.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(got).toEqual(['one', 'two']);
    await c.endAsync();
  });

  test('a second Ctrl-C exits at once with 130 while acknowledgements are outstanding', async () => {
    const b = await broker();
    const pub = spawnCli(['pub', ...conn(b), '-t', 'rel/int', '-q', '1', '-l', '-d']);
    const done = collect(pub);
    await waitForStderr(pub, '<-- CONNACK');
    b.pause();
    try {
      pub.stdin?.write('unacked\n');
      await waitForStderr(pub, '--> PUBLISH');
      pub.kill('SIGINT');
      const first = Date.now();
      await waitForStderr(pub, 'interrupted: waiting up to 5 s for the acknowledgement of 1 message');
      // Signals closer together than SAME_REQUEST_MS are one request (coreutils timeout sends two at once).
      await new Promise((r) => setTimeout(r, Math.max(0, SAME_REQUEST_MS * 2 - (Date.now() - first))));
      pub.kill('SIGINT');
      const r = await done;
      expect(r.code).toBe(130);
      expect(r.stderr).toContain('interrupted again');
    } finally {
      b.resume();
    }
  });
});

describe('limits', () => {
  test('a payload over the broker maximum packet size: both sizes named, exit 7, nothing sent', async () => {
    const b = await broker({ extra: ['max_packet_size 1000'] });
    const r = await runCli(['pub', ...conn(b), '-t', 'rel/big', '-m', 'x'.repeat(2000), '-q', '1']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("a payload of 2000 bytes makes a 2015-byte packet; the broker's maximum packet size is 1000 bytes");
  });

  test('the size check is exact: a packet of exactly the maximum goes, one byte more is refused', async () => {
    const b = await broker({ extra: ['max_packet_size 100'] });
    // MQTT 5, QoS 0, topic "t": 1 header + 1 length + 2 + 1 topic + 1 properties + payload = 6 + payload.
    const fits = await runCli(['pub', ...conn(b), '-t', 't', '-l'], { stdin: `short\n${'x'.repeat(94)}\n` });
    expect(fits.stderr).toBe('');
    expect(fits.code).toBe(0);
    const over = await runCli(['pub', ...conn(b), '-t', 't', '-l'], { stdin: `short\n${'x'.repeat(95)}\n` });
    expect(over.code).toBe(7);
    expect(over.stderr).toContain('a payload of 95 bytes makes a 101-byte packet');
  });

  test('MQTT 3.1.1 at QoS 0: a broker that drops the connection over an oversize line is reported, not exit 0', async () => {
    // 3.1.1 has no Maximum Packet Size in CONNACK: the broker just closes the connection.
    const b = await broker({ extra: ['max_packet_size 100'] });
    const r = await runCli(['pub', '-V', '311', ...conn(b), '-t', 't', '-l'], { stdin: `a\n${'x'.repeat(300)}\nc\n` });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^mqtt-tool: mqtt:\/\/127\.0\.0\.1:\d+ closed the connection before confirming it had read every message$/m);
    expect(r.stderr).toContain('some may be lost');
    // One-shot: no reconnection, the drop itself is the error.
    const once = await runCli(['pub', '-V', '311', ...conn(b), '-t', 't', '-m', 'x'.repeat(300)]);
    expect(once.code).toBe(4);
    expect(once.stderr).toMatch(/^mqtt-tool: mqtt:\/\/127\.0\.0\.1:\d+ dropped the connection$/m);
    expect(once.stderr).not.toContain('TLS');
  });

  test('a 50 MB payload round trip at QoS 1 is byte-exact', async () => {
    const b = await broker();
    const body = randomBytes(50 * 1024 * 1024);
    const file = join(tmp, 'big.bin');
    writeFileSync(file, body);
    const sub = spawnCli(['sub', ...conn(b), '-t', 'rel/huge', '-q', '1', '-C', '1', '-N', '-d']);
    const subDone = collect(sub, 60_000);
    await waitForStderr(sub, '<-- SUBACK');
    const p = await runCli(['pub', ...conn(b), '-t', 'rel/huge', '-f', file, '-q', '1'], { timeoutMs: 60_000 });
    expect(p.code).toBe(0);
    const s = await subDone;
    expect(createHash('sha256').update(s.stdoutBytes).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  }, 90_000);

  test('a key that does not match its certificate is a usage error before connecting', async () => {
    const TLS = new URL('../fixtures/tls/', import.meta.url).pathname;
    const r = await runCli(['pub', '-L', 'mqtts://127.0.0.1:1', '-t', 'a', '-m', 'b', '--cert', `${TLS}client.crt`, '--key', `${TLS}valid.key`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--key does not match --cert');
  });
});

describe('secrets', () => {
  test('a password from the environment or a file is not in /proc/<pid>/cmdline, not in --debug, not in errors', async () => {
    const b = await broker({ users: { alice: 's3cret-pw' } });
    const pwFile = join(tmp, 'pw');
    writeFileSync(pwFile, 's3cret-pw\n', { mode: 0o600 });
    const child = spawnCli(['sub', ...conn(b), '-u', 'alice', '--password-file', pwFile, '-t', 'x', '-d']);
    const done = collect(child);
    await waitForStderr(child, '<-- SUBACK');
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain('s3cret');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('password=****');
    expect(r.stderr).not.toContain('s3cret');
    const wrong = await runCli(['pub', ...conn(b), '-u', 'alice', '-t', 'x', '-m', 'y', '-d'], { env: { MQTT_TOOL_PASSWORD: 'not-it-either' } });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).not.toContain('not-it-either');
  });

  test('a password file readable by others gets a warning', async () => {
    const b = await broker({ users: { alice: 'pw' } });
    const pwFile = join(tmp, 'pw-open');
    writeFileSync(pwFile, 'pw\n', { mode: 0o644 });
    const r = await runCli(['pub', ...conn(b), '-u', 'alice', '--password-file', pwFile, '-t', 'x', '-m', 'y']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`--password-file '${pwFile}' is readable by other users`);
  });
});

describe('password prompt', () => {
  test('--password-prompt reads the password from the terminal without echo', async () => {
    const b = await broker({ users: { bob: 'hunter2' } });
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../helpers/cli.js');
    // script(1) gives the command a real terminal; what we write to its stdin is typed there.
    const child = spawn('script', ['-qec', `node ${BIN} pub ${conn(b).join(' ')} -u bob --password-prompt -t x -m y; echo EXIT=$?`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const done = collect(child);
    await waitForStdout(child, 'password for bob: ');
    child.stdin?.write('hunter2\r');
    await waitForStdout(child, 'EXIT=');
    child.stdin?.end();
    const r = await done;
    expect(r.stdout).toContain('password for bob: ');
    expect(r.stdout).toContain('EXIT=0');
    expect(r.stdout).not.toContain('hunter2');
  });
  test('--password-prompt without a terminal is a usage error', async () => {
    const r = await runCli(['pub', '-h', '127.0.0.1', '-u', 'bob', '--password-prompt', '-t', 'x', '-m', 'y'], { env: { MQTT_TOOL_PASSWORD: undefined } });
    expect(r.code).toBe(2);
  });
});

describe('refusals and server disconnects (fake broker: no real broker sends these on demand)', () => {
  test('a transient refusal (0x88 Server unavailable) is retried by long-running commands', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'refuse-then-accept', code: 0x88, refusals: 2 });
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x', '-q', '1', '-l', '--reconnect-period', '0.2'], { stdin: 'a\nb\n' });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('Server unavailable (0x88); the broker may accept later: retrying in 0.2 s');
      expect(fake.connections()).toBe(3);
    } finally {
      await fake.close();
    }
  });
  test('a permanent refusal (0x87) is never retried, even by a long-running command', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'refuse-then-accept', code: 0x87, refusals: 5 });
    try {
      const r = await runCli(['sub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x', '--reconnect-period', '0.2']);
      expect(r.code).toBe(3);
      expect(fake.connections()).toBe(1);
    } finally {
      await fake.close();
    }
  });
  test('DISCONNECT 0x8E Session taken over: named, exit 7, no reconnect loop', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'disconnect-after-connack', code: 0x8e });
    try {
      const r = await runCli(['sub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x', '--reconnect-period', '0.2']);
      expect(r.code).toBe(7);
      expect(r.stderr).toContain('the broker disconnected us: Session taken over (0x8E)');
      expect(r.stderr).toContain('unique -i');
      expect(fake.connections()).toBe(1);
    } finally {
      await fake.close();
    }
  });
  test('DISCONNECT 0x8B Server shutting down: reconnects, within --max-reconnects', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'disconnect-after-connack', code: 0x8b });
    try {
      const r = await runCli(['sub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x', '--reconnect-period', '0.1', '--max-reconnects', '2']);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('Server shutting down (0x8B); reconnecting');
      expect(r.stderr).toContain('gave up reconnecting');
      expect(fake.connections()).toBeGreaterThan(1);
    } finally {
      await fake.close();
    }
  });
});

describe('a broker that breaks the protocol (fake broker)', () => {
  const fakeRun = async (behaviour: Parameters<typeof import('../helpers/fake-broker.js')['startFakeBroker']>[0], args: string[], timeoutMs = 30_000) => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker(behaviour);
    try {
      const t0 = Date.now();
      const r = await runCli([args[0] as string, '-h', '127.0.0.1', '-p', String(fake.port), ...args.slice(1)], { timeoutMs });
      return { ...r, ms: Date.now() - t0, port: fake.port };
    } finally {
      await fake.close();
    }
  };
  test('a CONNACK too short to carry its reason code is a protocol violation, not a success', async () => {
    const r = await fakeRun({ kind: 'raw-after-connect', bytes: Buffer.from([0x20, 0x01, 0x00]) }, ['pub', '-V', '5', '-t', 'x', '-m', 'y']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('broke the MQTT protocol: a CONNACK without its reason code');
  });
  test('a CONNACK sent a byte at a time is waited for, within the connect timeout (pub and diagnose)', async () => {
    const pub = await fakeRun({ kind: 'drip-connack', everyMs: 200 }, ['pub', '-V', '5', '-t', 'x', '-m', 'y', '-q', '1']);
    expect(pub).toMatchObject({ code: 0, stderr: '' });
    const diag = await fakeRun({ kind: 'drip-connack', everyMs: 200 }, ['diagnose', '-V', '5', '--json']);
    const steps = (JSON.parse(diag.stdout) as { steps: Array<{ step: string; status: string }> }).steps;
    expect(steps.find((s) => s.step === 'MQTT CONNECT')?.status).toBe('ok');
  });
  test('a broker that goes quiet after CONNACK: -W wins for sub, --ack-timeout for pub, diagnose ends in bounded time', async () => {
    const sub = await fakeRun({ kind: 'quiet-after-connack' }, ['sub', '-t', 'x', '-W', '1']);
    expect(sub.code).toBe(6);
    expect(sub.stderr).toContain('-W 1: time is up');
    expect(sub.ms).toBeLessThan(8_000);
    const pub = await fakeRun({ kind: 'quiet-after-connack' }, ['pub', '-t', 'x', '-m', 'y', '-q', '1', '--ack-timeout', '1']);
    expect(pub.code).toBe(6);
    expect(pub.stderr).toContain("no PUBACK for message id 1 (topic 'x') within 1 s");
    expect(pub.ms).toBeLessThan(8_000);
    const diag = await fakeRun({ kind: 'quiet-after-connack' }, ['diagnose', '--json'], 60_000);
    expect(diag.code).toBe(6);
    expect(diag.stderr).not.toContain('internal error');
    expect(diag.ms).toBeLessThan(30_000);
  });
  test.each([['311'], ['5']])('-V %s: a PUBLISH whose topic is not UTF-8 ends sub with exit 4, nothing printed', async (v) => {
    const r = await fakeRun({ kind: 'publish-bad-utf8' }, ['sub', '-t', '#', '-V', v, '-v']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('broke the MQTT protocol: a PUBLISH whose topic is not valid UTF-8');
    expect(r.stdout).toBe('');
  });
  test('a broker that never answers PINGREQ is found within 1.5 x keepalive', async () => {
    const r = await fakeRun({ kind: 'no-pingresp' }, ['sub', '-t', 'x', '-k', '2', '--no-reconnect']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('stopped answering: no PINGRESP within 1 s of a PINGREQ (keepalive 2 s)');
    expect(r.ms).toBeLessThan(8_000);
  });
  test('a QoS 1 PUBLISH with packet identifier 0 ends sub with exit 4', async () => {
    const r = await fakeRun({ kind: 'publish-id-0' }, ['sub', '-t', 'x', '-q', '1', '-V', '311']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('broke the MQTT protocol: a QoS 1/2 PUBLISH with packet identifier 0');
  });
  test('a second CONNACK on one connection is a protocol violation: exit 4, never "refused: Success"', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'second-connack' });
    try {
      const r = await runCli(['sub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x'], { timeoutMs: 15_000 });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`mqtt-tool: mqtt://127.0.0.1:${fake.port} broke the MQTT protocol: a second CONNACK on one connection`);
      expect(r.stderr).not.toContain('Success');
    } finally {
      await fake.close();
    }
  });
  test('a packet whose remaining length runs past four bytes ends pub with exit 4, not an endless wait', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'malformed-ack' });
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x', '-m', 'y', '-q', '1'], { timeoutMs: 15_000 });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/broke the MQTT protocol: a packet \(type 4\) with a malformed remaining length/);
    } finally {
      await fake.close();
    }
  });
  test('PUBCOMP 0x92 (the broker lost the id): the message is reported not confirmed, exit 7, its PUBLISH never sent again', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'pubcomp-code', code: 0x92 });
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x', '-m', 'y', '-q', '2', '-V', '5', '--ack-timeout', '3'], { timeoutMs: 15_000 });
      expect(r.code).toBe(7);
      expect(r.stderr).toContain("message id 1 (topic 'x') released but not confirmed: Packet Identifier not found (0x92)");
      expect(r.stderr).toContain('may or may not have arrived');
      const sent = fake.received().map((p) => p.cmd);
      expect(sent.filter((c) => c === 'publish')).toHaveLength(1);
      expect(sent.filter((c) => c === 'pubrel')).toHaveLength(1);
      // mqtt-tool decided to stop: DISCONNECT, so no will fires.
      expect(sent.at(-1)).toBe('disconnect');
    } finally {
      await fake.close();
    }
  });
  test('a broker that keeps the socket open after our DISCONNECT: pub still exits 0 (the close is bounded)', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'ignore-disconnect' });
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x', '-m', 'y', '-q', '1'], { timeoutMs: 15_000 });
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(fake.received().map((p) => p.cmd)).toEqual(['connect', 'publish', 'disconnect']);
    } finally {
      await fake.close();
    }
  });
});

describe('Ctrl-C while acknowledgements are outstanding (fake broker that never acknowledges)', () => {
  test('pub -m: the first SIGINT says what it waits for and starts the 5 s grace; then exit 6', async () => {
    const { startFakeBroker } = await import('../helpers/fake-broker.js');
    const fake = await startFakeBroker({ kind: 'drop-puback' });
    try {
      const child = spawnCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'x', '-m', 'y', '-q', '1', '-d']);
      const result = collect(child, 20_000);
      await waitForStderr(child, '--> PUBLISH');
      const t0 = Date.now();
      child.kill('SIGINT');
      const r = await result;
      expect(r.code).toBe(6);
      expect(r.stderr).toContain('interrupted: waiting up to 5 s for the acknowledgement of 1 message (again to quit now)');
      expect(r.stderr).toContain('mqtt-tool: interrupted: 1 of 1 messages were not acknowledged within the grace period');
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await fake.close();
    }
  });
});

describe('signals from coreutils timeout and a closed terminal', () => {
  test('timeout sends SIGTERM twice at once: one request; pub -l finishes cleanly and the will is not published', async () => {
    const b = await broker();
    const watcher = await testClient(`mqtt://127.0.0.1:${b.port}`);
    try {
      const seen: string[] = [];
      watcher.on('message', (t) => seen.push(t));
      await watcher.subscribeAsync('rel/will/#', { qos: 1 });
      const { spawn } = await import('node:child_process');
      const { BIN } = await import('../helpers/cli.js');
      // seq feeds lines for as long as pub reads; timeout ends pub after 1.5 s (SIGTERM to the child, then to its group).
      const child = spawn('sh', ['-c', `seq 1 2000000 | timeout --preserve-status 1.5 ${process.execPath} ${BIN} pub -h 127.0.0.1 -p ${b.port} -t rel/t -l -q 1 --will-topic rel/will/x --will-payload died`], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      const r = await collect(child, 30_000);
      expect(r.stderr).not.toContain('interrupted again');
      expect(r.code).toBe(0);
      await watcher.publishAsync('rel/will/sentinel', 'after', { qos: 1 });
      for (let t = Date.now(); !seen.includes('rel/will/sentinel') && Date.now() - t < 10_000; ) await new Promise((res) => setTimeout(res, 20));
      expect(seen).toEqual(['rel/will/sentinel']);
    } finally {
      await watcher.endAsync();
    }
  });
  test('SIGHUP ends sub like Ctrl-C: DISCONNECT sent, so the will is not published; exit 0', async () => {
    const b = await broker();
    const watcher = await testClient(`mqtt://127.0.0.1:${b.port}`);
    try {
      const seen: string[] = [];
      watcher.on('message', (t) => seen.push(t));
      await watcher.subscribeAsync('rel/hup/#', { qos: 1 });
      const sub = spawnCli(['sub', ...conn(b), '-t', 'rel/x', '--will-topic', 'rel/hup/will', '--will-payload', 'died', '-d']);
      const done = collect(sub);
      await waitForStderr(sub, '<-- SUBACK');
      sub.kill('SIGHUP');
      const r = await done;
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('--> DISCONNECT');
      await watcher.publishAsync('rel/hup/sentinel', 'after', { qos: 1 });
      for (let t = Date.now(); !seen.includes('rel/hup/sentinel') && Date.now() - t < 10_000; ) await new Promise((res) => setTimeout(res, 20));
      expect(seen).toEqual(['rel/hup/sentinel']);
    } finally {
      await watcher.endAsync();
    }
  });
});

describe('a link cut during a QoS 2 stream (a proxy the test cuts)', () => {
  test.each([
    ['MQTT 5', []],
    ['MQTT 3.1.1', ['-V', '311']],
  ])('%s: pub -l -q 2 cut twice: every line arrives exactly once, and no session is left behind', async (_name, version) => {
    const b = await broker();
    const { startCuttingProxy } = await import('../helpers/cutting-proxy.js');
    const proxy = await startCuttingProxy(b.port);
    const watcher = await testClient(`mqtt://127.0.0.1:${b.port}`, { protocolVersion: 5 });
    try {
      const n = 20_000;
      const got = new Map<string, number>();
      watcher.on('message', (_t, payload) => got.set(payload.toString(), (got.get(payload.toString()) ?? 0) + 1));
      await watcher.subscribeAsync('rel/cut', { qos: 2 });
      const id = `rel-cut-${process.pid}-${version.length}`;
      const pub = spawnCli(['pub', '-h', '127.0.0.1', '-p', String(proxy.port), ...version, '-i', id, '-t', 'rel/cut', '-l', '-q', '2', '--reconnect-period', '0.1']);
      const done = collect(pub, 90_000);
      pub.stdin?.end(`${Array.from({ length: n }, (_, i) => `line-${i}`).join('\n')}\n`);
      const until = async (count: number): Promise<void> => {
        for (const t = Date.now(); got.size < count; ) {
          if (Date.now() - t > 30_000) throw new Error(`only ${got.size} lines arrived`);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      await until(5_000);
      expect(proxy.cut()).toBe(1);
      await until(12_000);
      expect(proxy.cut()).toBe(1);
      const r = await done;
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('reconnecting');
      await until(n);
      const twice = [...got].filter(([, c]) => c > 1).map(([line]) => line);
      expect(twice).toEqual([]);
      expect(got.size).toBe(n);
      // The kept session ended with the run: the same client id finds no session on the broker.
      const probe = await testClient(`mqtt://127.0.0.1:${b.port}`, { clientId: id, clean: false, protocolVersion: version.length === 0 ? 5 : 4, properties: version.length === 0 ? { sessionExpiryInterval: 0 } : undefined });
      const present = (probe as unknown as { connackPacket?: { sessionPresent: boolean } }).connackPacket?.sessionPresent;
      await probe.endAsync();
      expect(present).toBe(false);
    } finally {
      await watcher.endAsync();
      await proxy.close();
    }
  }, 120_000);
});

test('pub -l: a line larger than any MQTT packet exits 2 as soon as it is seen, before it is all read', async () => {
  const b = await broker();
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('../helpers/cli.js');
  const child = spawn('sh', ['-c', `head -c 300000000 /dev/zero | ${process.execPath} ${BIN} pub -h 127.0.0.1 -p ${b.port} -t big -l -q 1`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(child, 60_000);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^mqtt-tool: a line of stdin is larger than an MQTT packet can carry with this topic \(268,435,44\d bytes;/);
}, 90_000);

test('MQTT 3.1.1 QoS 2 with a window Mosquitto will not take (-M 1000): a clear error after 3 short-lived connections, not a loop', async () => {
  const b = await broker();
  const lines = `${Array.from({ length: 2000 }, (_, i) => `l${i}`).join('\n')}\n`;
  const r = await runCli(['pub', ...conn(b), '-V', '311', '-t', 'rel/win', '-l', '-q', '2', '-M', '1000', '--reconnect-period', '0.1'], { stdin: lines, timeoutMs: 30_000 });
  expect(r.code).toBe(4);
  expect(r.stderr).toMatch(/dropped the connection 3 times in a row within a second of accepting it, with \d+ messages in flight/);
  expect(r.stderr).toContain('lower -M (it is 1000)');
  // The default window (20 at QoS 2 under 3.1.1) goes through.
  expect((await runCli(['pub', ...conn(b), '-V', '311', '-t', 'rel/win', '-l', '-q', '2'], { stdin: lines, timeoutMs: 30_000 })).code).toBe(0);
}, 60_000);
