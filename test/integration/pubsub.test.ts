/** pub, sub and rr: the built binary against a real Mosquitto, with real pipes. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, collect, runCli, spawnCli, waitForStderr } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';
import { tempDir } from '../helpers/temp.js';

let broker: Mosquitto;
let other: MqttClient;
const tmp = tempDir('mqtt-tool-pubsub-');
const conn = (): string[] => ['-h', '127.0.0.1', '-p', String(broker.port)];
let seq = 0;
const uniq = (name: string): string => `t${process.pid}-${++seq}/${name}`;

beforeAll(async () => {
  broker = await startMosquitto();
  other = await testClient(broker.url, { protocolVersion: 5 });
});
afterAll(async () => {
  await other.endAsync();
  await broker.stop();
});

/** Starts `sub` and resolves once its SUBACK arrived (seen with -d on stderr). */
async function startSub(args: string[]) {
  const child = spawnCli(['sub', ...conn(), '-d', ...args]);
  const done = collect(child, 60_000);
  await waitForStderr(child, '<-- SUBACK');
  return { child, done };
}

describe('pub', () => {
  test('-m at QoS 0, 1 and 2 arrives exactly', async () => {
    const topic = uniq('m');
    const got = await collectMessages(other, topic, 2);
    for (const q of ['0', '1', '2']) {
      const r = await runCli(['pub', ...conn(), '-t', topic, '-m', `hello ${q}`, '-q', q]);
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
    await got.waitFor(3);
    expect(got.messages.map((m) => m.payload.toString())).toEqual(['hello 0', 'hello 1', 'hello 2']);
  });

  test('-f sends a binary file byte for byte (1 MiB)', async () => {
    const topic = uniq('f');
    const body = randomBytes(1 << 20);
    const file = join(tmp, 'blob.bin');
    writeFileSync(file, body);
    const got = await collectMessages(other, topic, 1);
    const r = await runCli(['pub', ...conn(), '-t', topic, '-f', file, '-q', '1']);
    expect(r.code).toBe(0);
    await got.waitFor(1);
    expect(got.messages[0]?.payload.equals(body)).toBe(true);
  });

  test('-s sends the whole of stdin as one message', async () => {
    const topic = uniq('s');
    const got = await collectMessages(other, topic, 1);
    const r = await runCli(['pub', ...conn(), '-t', topic, '-s', '-q', '1'], { stdin: 'line 1\nline 2\n' });
    expect(r.code).toBe(0);
    await got.waitFor(1);
    expect(got.messages[0]?.payload.toString()).toBe('line 1\nline 2\n');
  });

  test('-r retains; -r -n clears the retained message', async () => {
    const topic = uniq('retained');
    expect((await runCli(['pub', ...conn(), '-t', topic, '-m', 'kept', '-r', '-q', '1'])).code).toBe(0);
    const first = await runCli(['sub', ...conn(), '-t', topic, '--retained-only']);
    expect(first).toMatchObject({ code: 0, stdout: 'kept\n' });
    expect((await runCli(['pub', ...conn(), '-t', topic, '-r', '-n', '-q', '1'])).code).toBe(0);
    const second = await runCli(['sub', ...conn(), '-t', topic, '--retained-only']);
    expect(second).toMatchObject({ code: 0, stdout: '' });
  });

  test('--repeat publishes n times', async () => {
    const topic = uniq('repeat');
    const got = await collectMessages(other, topic, 1);
    expect((await runCli(['pub', ...conn(), '-t', topic, '-m', 'x', '--repeat', '5', '-q', '1'])).code).toBe(0);
    await got.waitFor(5);
    expect(got.messages).toHaveLength(5);
  });

  test('MQTT 5 properties arrive', async () => {
    const topic = uniq('props');
    const received = new Promise<Record<string, unknown>>((resolve) => {
      other.on('message', (t, _p, packet) => {
        if (t === topic) resolve(packet.properties as Record<string, unknown>);
      });
    });
    await other.subscribeAsync(topic, { qos: 1 });
    const r = await runCli([
      'pub', ...conn(), '-t', topic, '-m', '{}', '-q', '1', '--content-type', 'application/json', '--response-topic', 'reply/here',
      '--correlation-data', 'abc', '--message-expiry', '60', '--payload-format-indicator', '--user-property', 'a=1', '--user-property', 'a=2',
    ]);
    expect(r.code).toBe(0);
    const props = await received;
    expect(props).toMatchObject({ contentType: 'application/json', responseTopic: 'reply/here', payloadFormatIndicator: true, userProperties: { a: ['1', '2'] } });
    expect(Buffer.from(props['correlationData'] as Buffer).toString()).toBe('abc');
  });

  test('-l: 100,000 lines at QoS 1 arrive complete, once each, in order', async () => {
    const topic = uniq('lines');
    const n = 100_000;
    const input = Array.from({ length: n }, (_, i) => `${i + 1}`).join('\n') + '\n';
    const sub = await startSub(['-t', topic, '-q', '1', '-C', String(n)]);
    const r = await runCli(['pub', ...conn(), '-t', topic, '-q', '1', '-l'], { stdin: input, timeoutMs: 60_000 });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const got = await sub.done;
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(input);
  });

  test('-l at QoS 2 past the 65,535 packet-id wrap: 70,000 lines, none lost or doubled', async () => {
    const topic = uniq('lines2');
    const n = 70_000;
    const input = Array.from({ length: n }, (_, i) => `${i + 1}`).join('\n') + '\n';
    const sub = await startSub(['-t', topic, '-q', '2', '-C', String(n)]);
    const r = await runCli(['pub', ...conn(), '-t', topic, '-q', '2', '-l'], { stdin: input, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const got = await sub.done;
    expect(got.stdout).toBe(input);
  }, 90_000);

  test('-l: empty lines are empty messages and a last unterminated line is sent', async () => {
    const topic = uniq('edge');
    const got = await collectMessages(other, topic, 1);
    expect((await runCli(['pub', ...conn(), '-t', topic, '-q', '1', '-l'], { stdin: 'a\n\nb' })).code).toBe(0);
    await got.waitFor(3);
    expect(got.messages.map((m) => m.payload.toString())).toEqual(['a', '', 'b']);
  });

  test('-l streams: a line is published before stdin ends', async () => {
    const topic = uniq('stream');
    const got = await collectMessages(other, topic, 1);
    const child = spawnCli(['pub', ...conn(), '-t', topic, '-q', '1', '-l']);
    const done = collect(child);
    child.stdin?.write('first\n');
    await got.waitFor(1);
    child.stdin?.end('second\n');
    expect((await done).code).toBe(0);
    await got.waitFor(2);
    expect(got.messages.map((m) => m.payload.toString())).toEqual(['first', 'second']);
  });
});

describe('sub', () => {
  test('-v prints topic and payload; -C stops after exactly n', async () => {
    const topic = uniq('v');
    const sub = await startSub(['-t', `${topic}/#`, '-v', '-C', '2']);
    for (const i of [1, 2, 3]) await other.publishAsync(`${topic}/${i}`, `p${i}`, { qos: 1 });
    const r = await sub.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${topic}/1 p1\n${topic}/2 p2\n`);
  });

  test('on a terminal sub says what it subscribed to, where, and how to stop; a pipe gets no such line', async () => {
    const topic = uniq('tty');
    const child = spawn('script', ['-qec', `node ${BIN} sub -h 127.0.0.1 -p ${broker.port} -t '${topic}/#' -q 1 -C 1`, '/dev/null'], {
      env: { ...process.env, COLUMNS: '200', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const done = collect(child, 30_000);
    const notice = `mqtt-tool: subscribed to '${topic}/#' (QoS 1) on mqtt://127.0.0.1:${broker.port}: waiting for messages; Ctrl-C to stop`;
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stdout?.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('Ctrl-C to stop')) resolve();
      });
    });
    await other.publishAsync(`${topic}/a`, 'hello', { qos: 1 });
    const r = await done;
    expect(r.stdout.replace(/\r/g, '')).toContain(`${notice}\nhello`);
    const piped = await runCli(['sub', ...conn(), '-t', uniq('pipe'), '-W', '0.3']);
    expect(piped.stderr).not.toContain('subscribed to');
  });

  test('-W with no traffic exits 6', async () => {
    const r = await runCli(['sub', ...conn(), '-t', uniq('quiet'), '-W', '0.5']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('-W 0.5: time is up');
  });

  test('-F jsonl: one JSON object per line, binary as base64, MQTT 5 properties', async () => {
    const topic = uniq('json');
    const sub = await startSub(['-t', topic, '-F', 'jsonl', '-C', '2', '-q', '1']);
    await other.publishAsync(topic, 'text', { qos: 1, properties: { userProperties: { k: 'v' }, contentType: 'text/plain' } });
    await other.publishAsync(topic, Buffer.from([0xff, 0x00]), { qos: 1 });
    const r = await sub.done;
    const [a, b] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ topic, payload: 'text', qos: 1, retain: false, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
    expect(b).toMatchObject({ payload: '/wA=', encoding: 'base64' });
    expect(typeof a?.['receivedAt']).toBe('string');
  });

  test('-F template and -N', async () => {
    const topic = uniq('tpl');
    const sub = await startSub(['-t', topic, '-F', '%t|%q|%l|%x', '-N', '-C', '2', '-q', '1']);
    await other.publishAsync(topic, 'ab', { qos: 1 });
    await other.publishAsync(topic, 'c', { qos: 0 });
    expect((await sub.done).stdout).toBe(`${topic}|1|2|6162${topic}|0|1|63`);
  });

  test('-T hides matching topics', async () => {
    const topic = uniq('hide');
    const sub = await startSub(['-t', `${topic}/#`, '-T', `${topic}/secret/#`, '-v', '-C', '1']);
    await other.publishAsync(`${topic}/secret/x`, 'no', { qos: 1 });
    await other.publishAsync(`${topic}/open`, 'yes', { qos: 1 });
    expect((await sub.done).stdout).toBe(`${topic}/open yes\n`);
  });

  test('-R skips retained messages; --retained-only prints them and exits', async () => {
    const topic = uniq('stale');
    await other.publishAsync(`${topic}/a`, 'old-a', { qos: 1, retain: true });
    await other.publishAsync(`${topic}/b`, 'old-b', { qos: 1, retain: true });
    const only = await runCli(['sub', ...conn(), '-t', `${topic}/#`, '--retained-only', '-v']);
    expect(only.code).toBe(0);
    expect(only.stdout.split('\n').filter(Boolean).sort()).toEqual([`${topic}/a old-a`, `${topic}/b old-b`]);
    const sub = await startSub(['-t', `${topic}/#`, '-R', '-C', '1']);
    await other.publishAsync(`${topic}/a`, 'fresh', { qos: 1 });
    expect((await sub.done).stdout).toBe('fresh\n');
  });

  test('--retained-only publishes nothing by default; --retained-marker is the opt-in that does', async () => {
    const topic = uniq('quiet');
    await other.publishAsync(`${topic}/a`, 'kept', { qos: 1, retain: true });
    const watcher = await testClient(broker.url, { protocolVersion: 5 });
    try {
      const seen = await collectMessages(watcher, 'mqtt-tool/#', 1);
      const plain = await runCli(['sub', ...conn(), '-t', `${topic}/#`, '--retained-only', '--retained-quiet', '0.2']);
      expect(plain).toMatchObject({ code: 0, stdout: 'kept\n' });
      // A message of our own behind the run: the first the watcher sees must be it.
      await other.publishAsync('mqtt-tool/sentinel', 'after', { qos: 1 });
      await seen.waitFor(1);
      expect(seen.messages.map((m) => m.topic)).toEqual(['mqtt-tool/sentinel']);
      const marked = await runCli(['sub', ...conn(), '-t', `${topic}/#`, '--retained-only', '--retained-marker']);
      expect(marked).toMatchObject({ code: 0, stdout: 'kept\n' });
      await seen.waitFor(2);
      expect(seen.messages[1]?.topic).toMatch(/^mqtt-tool\/retained-only\/[0-9a-f]{12}$/);
    } finally {
      await watcher.endAsync();
    }
  });

  test('--retained-only: a slow reader still gets every retained message (the quiet period waits for stdout)', async () => {
    const topic = uniq('many');
    const body = 'r'.repeat(400);
    await Promise.all(Array.from({ length: 1500 }, (_, i) => other.publishAsync(`${topic}/${i}`, `${i} ${body}`, { qos: 1, retain: true })));
    const child = spawnCli(['sub', ...conn(), '-t', `${topic}/#`, '--retained-only', '--retained-quiet', '0.2']);
    // Not reading stdout fills the pipe (600 KB of messages): sub must wait, not end the dump.
    child.stdout?.pause();
    const released = new Promise((r) => setTimeout(r, 1_500));
    const result = collect(child, 30_000);
    child.stdout?.pause();
    await released;
    child.stdout?.resume();
    const r = await result;
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1500);
    await Promise.all(Array.from({ length: 1500 }, (_, i) => other.publishAsync(`${topic}/${i}`, '', { qos: 1, retain: true })));
  });

  test('--retained-quiet and --retained-marker need --retained-only', async () => {
    const r = await runCli(['sub', ...conn(), '-t', 'x', '--retained-quiet', '1']);
    expect(r).toMatchObject({ code: 2, stderr: 'mqtt-tool: --retained-quiet goes with --retained-only\n' });
  });

  test('--remove-retained clears what it sees', async () => {
    const topic = uniq('clear');
    await other.publishAsync(`${topic}/a`, 'x', { qos: 1, retain: true });
    await other.publishAsync(`${topic}/b`, 'y', { qos: 1, retain: true });
    const r = await runCli(['sub', ...conn(), '-t', `${topic}/#`, '--remove-retained', '--retained-only']);
    expect(r.code).toBe(0);
    const after = await runCli(['sub', ...conn(), '-t', `${topic}/#`, '--retained-only']);
    expect(after.stdout).toBe('');
  });

  test('-E with -c creates a persistent session; messages sent while away arrive later', async () => {
    const topic = uniq('persist');
    const id = `persist-${process.pid}-${seq}`;
    const first = await runCli(['sub', ...conn(), '-t', topic, '-q', '1', '-c', '-i', id, '-E']);
    expect(first.code).toBe(0);
    await other.publishAsync(topic, 'while-away', { qos: 1 });
    const second = await runCli(['sub', ...conn(), '-t', topic, '-q', '1', '-c', '-i', id, '-C', '1', '-W', '10']);
    expect(second).toMatchObject({ code: 0, stdout: 'while-away\n' });
  });

  test('| head -n 3 exits 0 at once, no EPIPE trace', async () => {
    const topic = uniq('head');
    const script = `node ${BIN} sub ${conn().join(' ')} -t ${topic} 2>/tmp/head-stderr-$$; echo "sub=$?" >&2; cat /tmp/head-stderr-$$ >&2; rm -f /tmp/head-stderr-$$`;
    const child = spawn('bash', ['-c', `(${script}) | head -n 3`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = collect(child, 30_000);
    const timer = setInterval(() => void other.publishAsync(topic, 'tick', { qos: 0 }), 20);
    try {
      const r = await done;
      expect(r.stdout).toBe('tick\ntick\ntick\n');
      expect(r.stderr).toContain('sub=0');
      expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    } finally {
      clearInterval(timer);
    }
  });

  test('a slow reader: sub stops reading instead of buffering (bounded memory), nothing lost at QoS 1', async () => {
    const topic = uniq('slow');
    const n = 20_000;
    const child = spawnCli(['sub', ...conn(), '-d', '-t', topic, '-q', '1', '-C', String(n)]);
    child.stderr?.resume();
    await waitForStderr(child, '<-- SUBACK');
    child.stdout?.pause();
    const payload = Buffer.alloc(1024, 'x');
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(Array.from({ length: 1000 }, () => other.publishAsync(topic, payload, { qos: 1 })));
    }
    await new Promise((r) => setTimeout(r, 500));
    const status = await import('node:fs').then((fs) => fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    // 20 MB were published; a sub that buffered them would hold them all.
    expect(rssKb).toBeLessThan(100 * 1024);
    let bytes = 0;
    child.stdout?.on('data', (d: Buffer) => (bytes += d.length));
    child.stdout?.resume();
    const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    expect(code).toBe(0);
    expect(bytes).toBe(n * 1025);
  });

  test('SIGINT disconnects cleanly (exit 0, will not published); SIGKILL publishes the will', async () => {
    const willTopic = uniq('will');
    const got = await collectMessages(other, willTopic, 1);
    const clean = await startSub(['-t', uniq('x'), '--will-topic', willTopic, '--will-payload', 'gone']);
    clean.child.kill('SIGINT');
    expect((await clean.done).code).toBe(0);
    const killed = await startSub(['-t', uniq('y'), '--will-topic', willTopic, '--will-payload', 'gone', '-k', '5']);
    killed.child.kill('SIGKILL');
    await killed.done;
    await got.waitFor(1, 15_000);
    expect(got.messages.map((m) => m.payload.toString())).toEqual(['gone']);
  });
});

describe('rr', () => {
  test('publishes a request and prints the matching response', async () => {
    const req = uniq('rpc');
    const responder = await testClient(broker.url, { protocolVersion: 5 });
    try {
      responder.on('message', (_t, payload, packet) => {
        const p = packet.properties;
        if (p?.responseTopic !== undefined) {
          void responder.publishAsync(p.responseTopic, `echo:${payload.toString()}`, { properties: { correlationData: p.correlationData } });
          void responder.publishAsync(p.responseTopic, 'not for you', { properties: { correlationData: Buffer.from('other') } });
        }
      });
      await responder.subscribeAsync(req);
      const r = await runCli(['rr', ...conn(), '-t', req, '-e', `${req}/reply`, '-m', 'ping', '-W', '10']);
      expect(r).toMatchObject({ code: 0, stdout: 'echo:ping\n' });
    } finally {
      await responder.endAsync();
    }
  });
  test('-W bounds the wait', async () => {
    const r = await runCli(['rr', ...conn(), '-t', uniq('nobody'), '-e', uniq('reply'), '-m', 'x', '-W', '0.5']);
    expect(r.code).toBe(6);
  });
});
