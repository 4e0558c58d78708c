/**
 * One case list run against every broker people run (like the Paho interoperability suite):
 * Mosquitto, RabbitMQ's MQTT plugin, ejabberd's mod_mqtt, aedes 1.2 and aedes 2 (beta). Each
 * case states per broker what must happen, the broker's limitation included, and the outcomes
 * form the matrix in docs/brokers.md (between the interop-matrix markers). The test fails when the
 * matrix there differs from this run; MQTT_TOOL_WRITE_MATRIX=1 writes it instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, runCli, spawnCli, waitForStderr } from '../helpers/cli.js';
import { startAedes } from '../helpers/aedes-broker.js';
import { startEjabberd, startRabbitMq } from '../helpers/erlang-brokers.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';

interface Broker {
  readonly key: string;
  readonly name: string;
  /** Accepts an MQTT 5 CONNECT. */
  readonly v5: boolean;
  /** Answers QoS 2 with PUBREC (RabbitMQ takes QoS 2 at QoS 1). */
  readonly qos2: boolean;
  /** Delivers retained messages to a subscription with wildcards. */
  readonly retainedWildcards: boolean;
  /** Disconnects a subscriber whose queue passes a limit (ejabberd's max_queue, 5000 by default). */
  readonly queueLimit: boolean;
  start(): Promise<{ port: number; stop(): Promise<void> }>;
}

const USER = 'alice';
const PASSWORD = 'secret';

const BROKERS: Broker[] = [
  { key: 'mosquitto', name: 'Mosquitto 2.0', v5: true, qos2: true, retainedWildcards: true, queueLimit: false, start: () => startMosquitto({ users: { [USER]: PASSWORD } }) },
  { key: 'rabbitmq', name: 'RabbitMQ 3.10', v5: false, qos2: false, retainedWildcards: false, queueLimit: false, start: () => startRabbitMq() },
  { key: 'ejabberd', name: 'ejabberd 23.01', v5: true, qos2: true, retainedWildcards: true, queueLimit: true, start: () => startEjabberd() },
  {
    key: 'ejabberd-unlimited',
    name: 'ejabberd 23.01, max_queue unlimited',
    v5: true,
    qos2: true,
    retainedWildcards: true,
    queueLimit: false,
    start: () => startEjabberd({ maxQueue: 'unlimited' }),
  },
  { key: 'aedes1', name: 'aedes 1.2.0', v5: false, qos2: true, retainedWildcards: true, queueLimit: false, start: () => startAedes(1, { [USER]: PASSWORD }) },
  { key: 'aedes2', name: 'aedes 2.0.0-beta.1', v5: true, qos2: true, retainedWildcards: true, queueLimit: false, start: () => startAedes(2, { [USER]: PASSWORD }) },
];

const CASES = [
  'connect (no -V)',
  'connect -V 5',
  'pub/sub QoS 0, 1, 2',
  'retained, --retained-only',
  'will after SIGKILL',
  'persistent session',
  'pub -l -q 1, 20,000 lines',
  'rr',
  'bench --messages 5000',
  'diagnose',
  'wrong password',
] as const;

type Case = (typeof CASES)[number];

const matrix = new Map<string, Map<Case, string>>();
const record = (b: Broker, c: Case, outcome: string): void => {
  const row = matrix.get(b.key) ?? new Map<Case, string>();
  row.set(c, outcome);
  matrix.set(b.key, row);
};

const running = new Map<string, { port: number; stop(): Promise<void> }>();
beforeAll(async () => {
  const started = await Promise.all(BROKERS.map(async (b) => [b.key, await b.start()] as const));
  for (const [key, handle] of started) running.set(key, handle);
}, 120_000);
afterAll(async () => {
  await Promise.all([...running.values()].map((r) => r.stop()));
  writeMatrix();
}, 60_000);

let seq = 0;
const uniq = (name: string): string => `interop${process.pid}-${++seq}/${name}`;

describe.each(BROKERS)('$name', (broker) => {
  const port = (): number => (running.get(broker.key) as { port: number }).port;
  const conn = (): string[] => ['-h', '127.0.0.1', '-p', String(port()), '-u', USER, '-P', PASSWORD];
  const client = (): Promise<MqttClient> => testClient(`mqtt://127.0.0.1:${port()}`, { username: USER, password: PASSWORD, protocolVersion: broker.v5 ? 5 : 4 });
  const fellBack = (stderr: string): boolean => stderr.includes('does not speak MQTT 5') && stderr.includes('using MQTT 3.1.1');

  test('connect (no -V): MQTT 5, or 3.1.1 after one stderr line where the broker lacks 5', async () => {
    const r = await runCli(['pub', ...conn(), '-t', uniq('c'), '-m', 'x', '-q', '1']);
    expect(r.code).toBe(0);
    expect(fellBack(r.stderr)).toBe(!broker.v5);
    record(broker, 'connect (no -V)', broker.v5 ? 'ok, MQTT 5' : 'ok, falls back to 3.1.1 (one stderr line)');
  });

  test('connect -V 5: no fallback when the version was asked for', async () => {
    const r = await runCli(['pub', ...conn(), '-V', '5', '-t', uniq('c5'), '-m', 'x', '-q', '1']);
    if (broker.v5) {
      expect(r).toMatchObject({ code: 0, stderr: '' });
      record(broker, 'connect -V 5', 'ok');
    } else {
      expect([3, 4]).toContain(r.code);
      expect(fellBack(r.stderr)).toBe(false);
      expect(r.stderr).toMatch(/MQTT 3\.1\.1 return code|closed the connection before sending CONNACK/);
      record(broker, 'connect -V 5', `no MQTT 5: exit ${r.code}, named`);
    }
  });

  test('pub/sub at QoS 0, 1 and 2: every message arrives; a downgrade is named, never hung on', async () => {
    const topic = uniq('q');
    const sub = spawnCli(['sub', ...conn(), '-t', topic, '-q', '2', '-C', '3', '-F', '%q %p', '-d']);
    const done = collect(sub, 30_000);
    await waitForStderr(sub, '<-- SUBACK');
    const warnings: string[] = [];
    for (const q of ['0', '1', '2']) {
      const r = await runCli(['pub', ...conn(), '-t', topic, '-m', `m${q}`, '-q', q], { timeoutMs: 20_000 });
      expect(r.code).toBe(0);
      warnings.push(r.stderr);
    }
    const got = await done;
    expect(got.code).toBe(0);
    const lines = got.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['m0', 'm1', 'm2']);
    if (broker.qos2) {
      expect(lines).toEqual(['0 m0', '1 m1', '2 m2']);
      record(broker, 'pub/sub QoS 0, 1, 2', 'ok');
    } else {
      expect(warnings[2]).toContain('the broker answered QoS 2 with PUBACK');
      expect(got.stderr).toContain('granted QoS 1, not 2');
      record(broker, 'pub/sub QoS 0, 1, 2', 'QoS 2 taken as QoS 1: pub and sub say so');
    }
  });

  test('retained: --retained-only prints it and ends after the quiet period', async () => {
    const topic = uniq('ret');
    expect((await runCli(['pub', ...conn(), '-t', `${topic}/a`, '-m', 'kept', '-r', '-q', '1'])).code).toBe(0);
    const exact = await runCli(['sub', ...conn(), '-t', `${topic}/a`, '--retained-only', '--retained-quiet', '0.5']);
    expect(exact).toMatchObject({ code: 0, stdout: 'kept\n' });
    const wild = await runCli(['sub', ...conn(), '-t', `${topic}/#`, '--retained-only', '--retained-quiet', '0.5']);
    expect(wild.code).toBe(0);
    expect(wild.stdout).toBe(broker.retainedWildcards ? 'kept\n' : '');
    await runCli(['pub', ...conn(), '-t', `${topic}/a`, '-n', '-r', '-q', '1']);
    record(broker, 'retained, --retained-only', broker.retainedWildcards ? 'ok' : 'ok on exact topics; the broker sends none to wildcard filters');
  });

  test('will: published after the client is killed with SIGKILL', async () => {
    const willTopic = uniq('will');
    const watcher = await client();
    try {
      const got = await collectMessages(watcher, willTopic, 1);
      const dying = spawnCli(['sub', ...conn(), '-t', uniq('x'), '--will-topic', willTopic, '--will-payload', 'gone', '--will-qos', '1', '-d']);
      const dead = collect(dying);
      await waitForStderr(dying, '<-- SUBACK');
      dying.kill('SIGKILL');
      await dead;
      await got.waitFor(1, 15_000);
      expect(got.messages[0]?.payload.toString()).toBe('gone');
    } finally {
      await watcher.endAsync();
    }
    record(broker, 'will after SIGKILL', 'ok');
  });

  test('persistent session: a QoS 1 message sent while away arrives on return', async () => {
    const topic = uniq('persist');
    const id = `interop-${broker.key}-${process.pid}`;
    expect((await runCli(['sub', ...conn(), '-t', topic, '-q', '1', '-c', '-i', id, '-E'])).code).toBe(0);
    expect((await runCli(['pub', ...conn(), '-t', topic, '-m', 'while-away', '-q', '1'])).code).toBe(0);
    const back = await runCli(['sub', ...conn(), '-t', topic, '-q', '1', '-c', '-i', id, '-C', '1', '-W', '10']);
    expect(back).toMatchObject({ code: 0, stdout: 'while-away\n' });
    record(broker, 'persistent session', 'ok');
  });

  test('pub -l -q 1: 20,000 lines arrive once each, in order', async () => {
    const topic = uniq('lines');
    const n = 20_000;
    const sub = spawnCli(['sub', ...conn(), '-t', topic, '-q', '1', '-C', String(n), '-d', '-W', '60']);
    const done = collect(sub, 90_000);
    await waitForStderr(sub, '<-- SUBACK');
    const input = Array.from({ length: n }, (_, i) => `line-${i}`).join('\n');
    const pub = await runCli(['pub', ...conn(), '-t', topic, '-l', '-q', '1'], { stdin: `${input}\n`, timeoutMs: 60_000 });
    expect(pub.code).toBe(0);
    const got = await done;
    if (broker.queueLimit) {
      // The broker's own limit, named: sub's queue passed max_queue while pub ran ahead.
      expect(got.code).toBe(7);
      expect(got.stderr).toContain('the broker disconnected us: Quota exceeded (0x97) (broker says: "Message queue is overloaded")');
      record(broker, 'pub -l -q 1, 20,000 lines', 'pub ok; sub disconnected by max_queue: 0x97 named, exit 7');
      return;
    }
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(`${input}\n`);
    record(broker, 'pub -l -q 1, 20,000 lines', 'ok');
  }, 120_000);

  test('rr: request/response where the broker has MQTT 5; otherwise it says so', async () => {
    const request = uniq('rpc');
    if (!broker.v5) {
      const r = await runCli(['rr', ...conn(), '-t', request, '-e', `${request}/reply`, '-m', 'ping', '-W', '5']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('request/response (response topic and correlation data) needs MQTT 5');
      record(broker, 'rr', 'needs MQTT 5: exit 3, said once');
      return;
    }
    const responder = await client();
    try {
      responder.on('message', (_t, payload, packet) => {
        const p = packet.properties;
        if (p?.responseTopic !== undefined) {
          void responder.publishAsync(p.responseTopic, `pong:${payload.toString()}`, { qos: 1, properties: { correlationData: p.correlationData } });
        }
      });
      await responder.subscribeAsync(request, { qos: 1 });
      const r = await runCli(['rr', ...conn(), '-t', request, '-e', `${request}/reply`, '-m', 'ping', '-q', '1', '-W', '10']);
      expect(r).toMatchObject({ code: 0, stdout: 'pong:ping\n' });
    } finally {
      await responder.endAsync();
    }
    record(broker, 'rr', 'ok');
  });

  test('bench --messages 5000: exact accounting per QoS, downgrades named', async () => {
    const r = await runCli(['bench', ...conn(), '--messages', '5000', '--trials', '1', '--warmup', '0', '--latency-rate', '0', '--json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { results: Array<{ qos: number; sent: number; received: number; duplicated: number; grantedQos?: number }> };
    for (const row of report.results) {
      expect(row).toMatchObject({ sent: 5000, received: 5000 });
      if (row.qos > 0) expect(row.duplicated).toBe(0);
    }
    const q2 = report.results.find((row) => row.qos === 2);
    expect(q2?.grantedQos).toBe(broker.qos2 ? 2 : 1);
    if (!broker.qos2) expect(r.stderr).toContain('QoS 2: downgraded to 1 by the broker');
    record(broker, 'bench --messages 5000', broker.qos2 ? 'ok' : 'ok; the QoS 2 row reads "2 (as 1)", with a warning');
  }, 150_000);

  test("diagnose: every step, with the broker's limits named as warnings (exit 8), never as failures", async () => {
    const r = await runCli(['diagnose', ...conn(), '--json'], { timeoutMs: 60_000 });
    const report = JSON.parse(r.stdout) as { exitCode: number; steps: Array<{ step: string; status: string; finding: string }> };
    expect(report.steps.filter((s) => s.status === 'fail')).toEqual([]);
    const warned = report.steps.filter((s) => s.status === 'warn');
    const expected = (broker.v5 ? 0 : 1) + (broker.qos2 ? 0 : 1) + (broker.retainedWildcards ? 0 : 1);
    expect(warned).toHaveLength(expected);
    expect(r.code).toBe(expected === 0 ? 0 : 8);
    if (!broker.qos2) expect(report.steps.find((s) => s.step === 'round trip')?.finding).toContain('QoS 2 is downgraded by the broker');
    if (!broker.retainedWildcards) expect(report.steps.find((s) => s.step === 'retained')?.finding).toContain('not a wildcard filter');
    const words: Record<string, string> = { 'round trip': 'QoS 2 downgraded', 'MQTT CONNECT': 'no MQTT 5', retained: 'retained only by exact topic' };
    record(broker, 'diagnose', expected === 0 ? 'ok' : `exit 8, warns: ${warned.map((s) => words[s.step] ?? s.step).join(', ')}`);
  });

  test('diagnose --limits: every limit measured, or why not, within its time bound; nothing left behind', async () => {
    const r = await runCli(['diagnose', ...conn(), '--limits', '--limits-timeout', '30', '--json', '--test-topic', uniq('limits')], { timeoutMs: 90_000 });
    const report = JSON.parse(r.stdout) as { limits: Record<string, { value: unknown; source: string; atLeast?: true; note?: string }>; limitsProbe: Array<{ ms: number; messages: number; connections: number; outOfTime: boolean }> };
    expect([0, 8]).toContain(r.code);
    const keys = ['maxPayloadBytes', 'maxTopicLength', 'maxTopicLevels', 'maxClientIdLength', 'maxQos', 'retain', 'wildcards', 'sharedSubscriptions', 'sessionExpiry', 'keepalive', 'emptyClientId'];
    for (const k of broker.v5 ? [...keys, 'subscriptionIdentifiers', 'topicAliasMaximum', 'receiveMaximum', 'willDelay'] : keys) {
      const l = report.limits[k];
      expect(l, k).toBeDefined();
      expect(l?.value !== null || l?.note !== undefined, `${k}: a value, or why not`).toBe(true);
    }
    for (const run of report.limitsProbe) expect(run.outOfTime).toBe(false);
    expect(report.limitsProbe.reduce((n, p) => n + p.ms, 0)).toBeLessThan(31_000);
    limitsMatrix.set(broker.key, report.limits);
    limitsCost.set(broker.key, report.limitsProbe);
  }, 120_000);

  test('wrong password: refused by name, exit 3', async () => {
    const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(port()), '-u', USER, '-P', 'wrong', '-t', uniq('x'), '-m', 'y']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^mqtt-tool: connection refused: /m);
    record(broker, 'wrong password', `exit 3: ${/connection refused: (.+?) \(0x/.exec(r.stderr)?.[1] ?? '?'}`);
  });
});

type LimitCell = { value: unknown; source: string; atLeast?: true; note?: string };
const limitsMatrix = new Map<string, Record<string, LimitCell>>();
const limitsCost = new Map<string, Array<{ ms: number; messages: number; connections: number }>>();
const LIMIT_ROWS: Array<[string, string]> = [
  ['maxPayloadBytes', 'payload bytes'],
  ['maxTopicLength', 'topic length'],
  ['maxTopicLevels', 'topic levels'],
  ['maxClientIdLength', 'client id length'],
  ['emptyClientId', 'empty client id'],
  ['maxQos', 'maximum QoS'],
  ['retain', 'retained messages'],
  ['wildcards', 'wildcards'],
  ['sharedSubscriptions', 'shared subscriptions'],
  ['subscriptionIdentifiers', 'subscription ids'],
  ['topicAliasMaximum', 'topic alias maximum'],
  ['receiveMaximum', 'receive maximum'],
  ['sessionExpiry', 'session across a reconnect'],
  ['keepalive', 'keepalive granted (s)'],
  ['willDelay', 'will delay honoured'],
];

/** A limit as the matrix shows it: stable from run to run (the will delay as honoured or not, not its seconds). */
function limitCell(key: string, l: LimitCell | undefined): string {
  if (l === undefined) return 'MQTT 5 only';
  if (key === 'willDelay') return l.value === false ? 'not delivered' : /not honoured/.test(l.note ?? '') ? 'no (sent at once)' : 'yes';
  if (key === 'sessionExpiry') return l.value === 0 || l.value === 'lost' ? 'lost' : 'kept';
  if (l.value === null) return 'not probed';
  const shown = typeof l.value === 'boolean' ? (l.value ? 'yes' : 'no') : typeof l.value === 'number' ? l.value.toLocaleString('en-US') : String(l.value);
  return `${l.atLeast === true ? '≥ ' : ''}${shown}${l.source === 'advertised' ? ' (advertised)' : ''}`;
}

/** docs/brokers.md's limits table, from this run's diagnose --limits. */
function limitsTable(): string | undefined {
  const keys = BROKERS.map((b) => b.key);
  if (keys.some((k) => !limitsMatrix.has(k))) return undefined;
  const cost = (k: string): string => {
    const runs = limitsCost.get(k) ?? [];
    return `${(runs.reduce((n, r) => n + r.ms, 0) / 1000).toFixed(0)} s, ${runs.reduce((n, r) => n + r.messages, 0)} messages`;
  };
  return [
    `| limit | ${BROKERS.map((b) => b.name).join(' | ')} |`,
    `|---|${BROKERS.map(() => '---').join('|')}|`,
    ...LIMIT_ROWS.map(([key, label]) => `| ${label} | ${keys.map((k) => limitCell(key, limitsMatrix.get(k)?.[key])).join(' | ')} |`),
    `| the probe took | ${keys.map(cost).join(' | ')} |`,
  ].join('\n');
}

/** Replaces (MQTT_TOOL_WRITE_MATRIX=1) or checks the text between a pair of markers in docs/brokers.md. */
function matchMarkers(name: string, table: string, numbersVary: boolean): void {
  const path = new URL('../../docs/brokers.md', import.meta.url);
  const doc = readFileSync(path, 'utf8');
  const start = `<!-- ${name}:start -->\n`;
  const end = `\n<!-- ${name}:end -->`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  expect(a >= 0 && b > a, `docs/brokers.md has the ${name} markers`).toBe(true);
  if (process.env['MQTT_TOOL_WRITE_MATRIX'] === '1') {
    writeFileSync(path, `${doc.slice(0, a + start.length)}${table}${doc.slice(b)}`);
    return;
  }
  // The cost row changes from run to run: it is compared by shape.
  const shape = (t: string): string => (numbersVary ? t.replace(/^\| the probe took .*$/m, '') : t);
  expect(shape(doc.slice(a + start.length, b)), `docs/brokers.md ${name} (rerun with MQTT_TOOL_WRITE_MATRIX=1 to update)`).toBe(shape(table));
}

/** docs/brokers.md's broker x case table, from what this run observed. */
function writeMatrix(): void {
  const limits = limitsTable();
  if (limits !== undefined) matchMarkers('limits-matrix', limits, true);
  const keys = BROKERS.map((b) => b.key);
  if (keys.some((k) => matrix.get(k)?.size !== CASES.length)) return; // a failed or skipped case: the run already failed
  const lines = [
    `| case | ${BROKERS.map((b) => b.name).join(' | ')} |`,
    `|---|${BROKERS.map(() => '---').join('|')}|`,
    ...CASES.map((c) => `| ${c} | ${keys.map((k) => matrix.get(k)?.get(c) ?? '?').join(' | ')} |`),
  ];
  matchMarkers('interop-matrix', lines.join('\n'), false);
}
