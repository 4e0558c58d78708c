/**
 * Payload codecs through a real Mosquitto: `pub --encode X` into `sub --decode X -F jsonl`,
 * a simulated Sparkplug B edge node, and record/replay of a capture with binary payloads and
 * MQTT 5 properties.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPublishPacket } from 'mqtt';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SPARKPLUG_PROTO } from '../../src/codecs/sparkplug-schema.js';
import { collect, runCli, spawnCli, waitForStderr } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { testClient } from '../helpers/mqtt-client.js';
import { tempDir } from '../helpers/temp.js';

let broker: Mosquitto;
const dir = tempDir('mqtt-tool-codecs-');
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(() => broker.stop());
const conn = (): string[] => ['-h', '127.0.0.1', '-p', String(broker.port)];
let topicSeq = 0;
const freshTopic = (): string => `codecs/${process.pid}/${++topicSeq}`;

/** Starts `sub` with the given arguments; resolves once it is subscribed, with its result to come. */
async function subscriber(args: string[]): Promise<{ done: ReturnType<typeof collect> }> {
  const child = spawnCli(['sub', ...conn(), '-d', ...args]);
  const done = collect(child, 30_000);
  await waitForStderr(child, '<-- SUBACK');
  return { done };
}

const jsonLines = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('each codec round-trips through the broker', () => {
  const protoFile = join(dir, 'reading.proto');
  writeFileSync(join(dir, 'units.proto'), 'syntax = "proto3";\npackage plant;\nenum Unit { NONE = 0; BAR = 1; }\n');
  writeFileSync(protoFile, 'syntax = "proto3";\npackage plant;\nimport "units.proto";\nmessage Reading { string sensor = 1; int64 at = 2; double value = 3; Unit unit = 4; repeated string tags = 5; }\n');
  const avroFile = join(dir, 'reading.avsc');
  writeFileSync(avroFile, JSON.stringify({ type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'double' }, { name: 'raw', type: 'bytes' }, { name: 'note', type: ['null', 'string'] }] }));
  test.each([
    ['json', { a: [1, 2, { b: null }], s: 'ü' }],
    ['cbor', { name: 'pump', on: true, rpm: 1450.5, raw: { $base64: 'AAEC/w==' }, big: { $bigint: '18446744073709551615' } }],
    ['msgpack', { name: 'pump', n: -7, list: [1, 'two', false], raw: { $base64: 'AQI=' } }],
    [`protobuf:${protoFile}:plant.Reading`, { sensor: 'p1', at: '1767225600123', value: 2.5, unit: 'BAR', tags: ['a', 'b'] }],
    [`avro:${avroFile}`, { sensor: 'p1', value: 2.5, raw: { $base64: 'AQI=' }, note: null }],
    ['sparkplug', { timestamp: '2026-11-26T10:00:00.000Z', seq: 3, metrics: [{ name: 'Temperature', datatype: 'Float', value: 21.5 }, { name: 'Running', datatype: 'Boolean', value: true }] }],
  ])('%s', async (codec, value) => {
    const topic = freshTopic();
    const { done: sub } = await subscriber(['-t', topic, '--decode', codec, '-F', 'jsonl', '-C', '1', '-W', '10']);
    const pub = await runCli(['pub', ...conn(), '-t', topic, '-q', '1', '--encode', codec, '-m', JSON.stringify(value)]);
    expect(pub).toMatchObject({ code: 0, stderr: '' });
    const r = await sub;
    expect(r.code).toBe(0);
    const [line] = jsonLines(r.stdout);
    expect(line).toMatchObject({ topic, payload: value, encoding: codec.split(':')[0] });
  });

  test('the payload specifiers show the decoded value, the byte specifiers the bytes', async () => {
    const topic = freshTopic();
    const { done: sub } = await subscriber(['-t', topic, '--decode', 'cbor', '-F', '%t %p %l %x', '-C', '1', '-W', '10']);
    expect((await runCli(['pub', ...conn(), '-t', topic, '--encode', 'cbor', '-m', '{"a":1}'])).code).toBe(0);
    expect((await sub).stdout).toBe(`${topic} {"a":1} 4 a1616101\n`);
  });

  test('pub --encode -l encodes each line; a bad line ends pub with exit 2 after the good ones are acknowledged', async () => {
    const topic = freshTopic();
    const { done: sub } = await subscriber(['-t', topic, '--decode', 'msgpack', '-C', '2', '-W', '10']);
    const pub = await runCli(['pub', ...conn(), '-t', topic, '-q', '1', '-l', '--encode', 'msgpack'], { stdin: '{"n":1}\n[2,3]\n{oops\n{"n":4}\n' });
    expect(pub.code).toBe(2);
    expect(pub.stderr).toContain('--encode msgpack: -l line 3 is not JSON');
    expect((await sub).stdout).toBe('{"n":1}\n[2,3]\n');
  });
});

describe('payloads that do not decode, and bad schemas', () => {
  test('a payload that does not decode is printed as it is, with one stderr line, and the run goes on', async () => {
    const topic = freshTopic();
    const { done: sub } = await subscriber(['-t', topic, '--decode', 'json', '-F', 'jsonl', '-C', '2', '-W', '10']);
    await runCli(['pub', ...conn(), '-t', topic, '-q', '1', '-m', '{not json']);
    await runCli(['pub', ...conn(), '-t', topic, '-q', '1', '-m', '{"ok":true}']);
    const r = await sub;
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toMatchObject([{ payload: '{not json' }, { payload: { ok: true }, encoding: 'json' }]);
    expect(r.stderr).toMatch(new RegExp(`warning: topic '${topic}': payload is not json \\(.+\\); printed as it is`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test.each([
    [['--decode', 'protobuf:/nonexistent/x.proto:a.B'], /cannot read --decode protobuf schema '\/nonexistent\/x.proto': no such file/],
    [['--decode', 'avro:BAD'], /--decode: bad schema .*bad.avsc: not JSON/],
    [['--decode', 'protobuf:PROTO:nope.Missing'], /no message type 'nope.Missing' in .*bad.proto; it defines plant.Thing/],
    [['--decode', 'yaml'], /--decode 'yaml': unknown codec/],
  ])('sub %j is a usage error (exit 2) with no trace', async (args, message) => {
    const badAvro = join(dir, 'bad.avsc');
    writeFileSync(badAvro, '{"type": "record",');
    const badProto = join(dir, 'bad.proto');
    writeFileSync(badProto, 'syntax = "proto3"; package plant; message Thing { string a = 1; }');
    const argv = args.map((a) => a.replace('BAD', badAvro).replace('PROTO', badProto));
    const r = await runCli(['sub', ...conn(), '-t', 'x', ...argv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('pub --encode with a value the schema refuses is a usage error naming the codec', async () => {
    const r = await runCli(['pub', ...conn(), '-t', 'x', '--encode', 'sparkplug', '-m', '{"metrics":[{"name":"a","datatype":"Nope","value":1}]}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--encode sparkplug: -m cannot be written as sparkplug: unknown Sparkplug datatype 'Nope'");
  });
});

describe('Sparkplug B: a simulated edge node', () => {
  // The edge node encodes with the schema directly (field names as on the wire), not with mqtt-tool's encoder.
  const Payload = protobuf.parse(SPARKPLUG_PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');
  const bytes = (p: Record<string, unknown>): Buffer => Buffer.from(Payload.encode(Payload.fromObject(p)).finish());

  test('aliases resolved from NBIRTH, a skipped sequence number reported, NDEATH paired by bdSeq; other topics untouched with auto', async () => {
    const group = `g${process.pid}`;
    const { done: sub } = await subscriber(['-t', `spBv1.0/${group}/#`, '-t', `plain/${group}`, '--decode', 'auto', '-F', 'jsonl', '-C', '6', '-W', '10']);
    const edge = await testClient(`mqtt://127.0.0.1:${broker.port}`);
    const t0 = 1_790_000_000_000;
    const send = (type: string, payload: Buffer) => edge.publishAsync(`spBv1.0/${group}/${type}/edge1`, payload, { qos: 1 });
    await send('NBIRTH', bytes({ timestamp: t0, seq: 0, metrics: [
      { name: 'bdSeq', datatype: 8, long_value: 5 },
      { name: 'Line/Speed', alias: 10, datatype: 3, int_value: 0 },
      { name: 'Line/Temp', alias: 11, datatype: 10, double_value: 20 },
    ] }));
    // NDATA by alias only, without datatypes: -3 as an Int32 travels as 4294967293 in int_value.
    await send('NDATA', bytes({ timestamp: t0 + 1000, seq: 1, metrics: [{ alias: 10, int_value: 4294967293 }, { alias: 11, double_value: 21.25 }] }));
    await send('NDATA', bytes({ timestamp: t0 + 2000, seq: 3, metrics: [{ alias: 11, double_value: 22 }] }));
    await edge.publishAsync(`plain/${group}`, Buffer.from([0xff, 0x08]), { qos: 1 });
    await send('NDEATH', bytes({ metrics: [{ name: 'bdSeq', datatype: 8, long_value: 4 }] }));
    await send('NDEATH', bytes({ metrics: [{ name: 'bdSeq', datatype: 8, long_value: 5 }] }));
    await edge.endAsync();
    const r = await sub;
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines[0]).toMatchObject({ encoding: 'sparkplug', payload: { timestamp: new Date(t0).toISOString(), seq: 0 } });
    expect(lines[1]).toMatchObject({
      payload: { timestamp: new Date(t0 + 1000).toISOString(), metrics: [{ name: 'Line/Speed', alias: 10, datatype: 'Int32', value: -3 }, { name: 'Line/Temp', alias: 11, value: 21.25 }] },
    });
    expect(lines[3]).toMatchObject({ topic: `plain/${group}`, payload: '/wg=', encoding: 'base64' });
    expect(r.stderr).toContain(`sparkplug: ${group}/edge1: sequence gap: expected seq 2, got 3 (NDATA): 1 message lost or out of order`);
    expect(r.stderr).toContain(`sparkplug: ${group}/edge1: NDEATH bdSeq 4 does not match the latest NBIRTH (bdSeq 5)`);
    expect(r.stderr).toContain(`sparkplug: ${group}/edge1: NDEATH bdSeq 5 matches the NBIRTH (bdSeq 5)`);
  });
});

describe('record and replay', () => {
  test('a capture of text, binary and MQTT 5 properties replays byte-identical', async () => {
    const topic = freshTopic();
    const { done: capture } = await subscriber(['-t', `${topic}/#`, '-F', 'jsonl', '-C', '4', '-W', '10', '-q', '1']);
    const source = await testClient(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5 });
    const sent: Array<{ topic: string; payload: Buffer; properties: IPublishPacket['properties'] }> = [
      { topic: `${topic}/text`, payload: Buffer.from('21.5 °C'), properties: { contentType: 'text/plain', userProperties: { site: 'a', tag: ['x', 'y'] } } },
      { topic: `${topic}/bin`, payload: Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]), properties: { correlationData: Buffer.from([0xde, 0xad, 0xbe, 0xef]), responseTopic: `${topic}/reply` } },
      { topic: `${topic}/ctl`, payload: Buffer.from('a\u0000b\nc'), properties: { payloadFormatIndicator: true, messageExpiryInterval: 600 } },
      { topic: `${topic}/empty`, payload: Buffer.alloc(0), properties: {} },
    ];
    for (const m of sent) await source.publishAsync(m.topic, m.payload, { qos: 1, properties: m.properties });
    await source.endAsync();
    const recorded = await capture;
    expect(recorded.code).toBe(0);

    const replayed: IPublishPacket[] = [];
    const listener = await testClient(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5 });
    listener.on('message', (_t, _p, packet) => replayed.push(packet));
    await listener.subscribeAsync(`${topic}/#`, { qos: 1 });
    const replay = await runCli(['pub', ...conn(), '--jsonl', '--replay-speed', '0'], { stdin: recorded.stdout });
    expect(replay).toMatchObject({ code: 0, stderr: '' });
    for (let i = 0; i < 100 && replayed.length < sent.length; i++) await new Promise((r) => setTimeout(r, 50));
    await listener.endAsync();
    expect(replayed.map((p) => p.topic)).toEqual(sent.map((m) => m.topic));
    replayed.forEach((p, i) => {
      const m = sent[i]!;
      expect(Buffer.from(p.payload as Buffer).equals(m.payload)).toBe(true);
      expect(p.qos).toBe(1);
      const { subscriptionIdentifier: _s, topicAlias: _a, ...props } = p.properties ?? {};
      expect(props).toEqual(m.properties);
    });
  });

  test('--replay keeps the recorded spacing, --replay-speed 2 halves it (span within -10 % / +300 ms)', async () => {
    const topic = freshTopic();
    const base = Date.parse('2026-11-26T12:00:00.000Z');
    const capture = [0, 400, 800, 1200].map((dt, i) => JSON.stringify({ topic, payload: `m${i}`, qos: 0, retain: false, receivedAt: new Date(base + dt).toISOString() })).join('\n');
    for (const [speed, gap] of [['1', 400], ['2', 200]] as const) {
      const arrivals: number[] = [];
      const listener = await testClient(`mqtt://127.0.0.1:${broker.port}`);
      listener.on('message', () => arrivals.push(performance.now()));
      await listener.subscribeAsync(topic);
      const r = await runCli(['pub', ...conn(), '--jsonl', '--replay-speed', speed], { stdin: `${capture}\n` });
      expect(r.code).toBe(0);
      for (let i = 0; i < 100 && arrivals.length < 4; i++) await new Promise((res) => setTimeout(res, 20));
      await listener.endAsync();
      expect(arrivals).toHaveLength(4);
      // The whole span within -10 % / +300 ms of the recorded one, and the middle one of the three gaps near its
      // recorded length: a message held up by a busy test machine shortens the next gap, never the span, and
      // one held-up message moves one gap, not the median.
      const span = arrivals[3]! - arrivals[0]!;
      expect(span).toBeGreaterThanOrEqual(3 * gap * 0.9);
      expect(span).toBeLessThanOrEqual(3 * gap + 300);
      const gaps = [1, 2, 3].map((i) => arrivals[i]! - arrivals[i - 1]!).sort((x, y) => x - y);
      expect(gaps[1]).toBeGreaterThanOrEqual(gap * 0.8);
      expect(gaps[1]).toBeLessThanOrEqual(gap + 150);
    }
  });

  test('bad --jsonl input: exit 2 naming the line; flags the lines replace are refused', async () => {
    const bad = await runCli(['pub', ...conn(), '--jsonl'], { stdin: '{"topic":"a/b","payload":"x"}\n{"topic":"a/+","payload":"x"}\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--jsonl line 2: invalid topic 'a/+'");
    expect((await runCli(['pub', ...conn(), '--jsonl', '-t', 'x'], { stdin: '' })).stderr).toContain('drop -t');
    expect((await runCli(['pub', ...conn(), '-t', 'x', '-m', 'y', '--replay'])).stderr).toContain('--replay replays --jsonl input: add --jsonl');
  });
});
