/**
 * diagnose --limits against brokers whose limits are known: Mosquitto configured with a message
 * size limit, maximum QoS 1, no retained messages, a maximum keepalive and topic aliases (behind
 * the checking proxy, which judges every packet the probe sends), a default Mosquitto, and the
 * embedded broker. The other brokers of the interop suite are probed there.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';

interface LimitJson {
  value: number | boolean | string | null;
  source: 'advertised' | 'measured' | 'both';
  atLeast?: true;
  note?: string;
}
interface Report {
  exitCode: number;
  limits: Record<string, LimitJson>;
  limitsByVersion: Record<string, Record<string, LimitJson>>;
  limitsProbe: Array<{ version: string; ms: number; messages: number; connections: number; outOfTime: boolean }>;
}

const probe = async (port: number, extra: string[] = []): Promise<{ code: number | null; report: Report; stderr: string }> => {
  const r = await runCli(['diagnose', '-h', '127.0.0.1', '-p', String(port), '--limits', '--json', ...extra], { timeoutMs: 90_000 });
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
};

describe('a Mosquitto with limits set', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({ extra: ['message_size_limit 1000', 'max_qos 1', 'retain_available false', 'max_keepalive 120', 'max_topic_alias 5'] });
  });
  afterAll(() => broker.stop());

  test('each limit as configured, advertised and measured, under MQTT 5 and 3.1.1', async () => {
    const { code, report } = await probe(broker.port);
    expect(code).toBe(8);
    const v5 = report.limitsByVersion['5'] as Record<string, LimitJson>;
    const v3 = report.limitsByVersion['3.1.1'] as Record<string, LimitJson>;
    expect(report.limits).toEqual(v5);
    expect(v5['maxPayloadBytes']).toEqual({ value: 1000, source: 'measured' });
    expect(v3['maxPayloadBytes']).toEqual({ value: 1000, source: 'measured' });
    expect(v5['maxQos']).toMatchObject({ value: 1, source: 'both' });
    expect(v3['maxQos']).toMatchObject({ value: 1, source: 'measured' });
    expect(v5['retain']).toMatchObject({ value: false, source: 'advertised' });
    expect(v3['retain']).toMatchObject({ value: false, source: 'measured' });
    expect(v5['keepalive']).toMatchObject({ value: 120, source: 'measured' });
    expect(v5['topicAliasMaximum']).toEqual({ value: 5, source: 'both' });
    expect(v5['receiveMaximum']).toMatchObject({ value: 20, source: 'both', note: expect.stringContaining('keeps to a client') });
    expect(v5['wildcards']).toEqual({ value: true, source: 'both' });
    expect(v5['maxTopicLength']).toEqual({ value: 65_535, source: 'measured', atLeast: true });
    for (const run of report.limitsProbe) expect(run).toMatchObject({ outOfTime: false });
  }, 120_000);

  test('in words at 80 columns: what a device meets, and the refusal named', async () => {
    const r = await runCli(['diagnose', '-h', '127.0.0.1', '-p', String(broker.port), '--limits'], { timeoutMs: 90_000 });
    expect(r.stdout).toMatch(/^payload size +- +1,000 +1,000$/m);
    expect(r.stdout).toContain('- payload size (MQTT 5): a message with a payload above 1,000 bytes is refused with Packet too large (0x95)');
    // Under 3.1.1 nothing can say why: Mosquitto acknowledges the message and drops it, and may end the connection.
    expect(r.stdout).toMatch(/^- payload size \(MQTT 3\.1\.1\): a message with a payload above 1,000 bytes (is dropped without a refusal|ends the connection)/m);
    expect(r.stdout).toContain('- retained messages (MQTT 5): not offered');
    for (const line of r.stdout.split('\n').filter((l) => !l.startsWith('- ') && !l.startsWith('probe:') && !l.startsWith('result:'))) {
      if (/^(limit|payload|topic|client|maximum|retained|wildcards|shared|subscription|receive|session|keepalive|empty|will)/.test(line)) expect(line.length).toBeLessThanOrEqual(80);
    }
  }, 120_000);

  test('a publish above the limit: pub names the refusal and points at diagnose --limits', async () => {
    const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(broker.port), '-t', 'big', '-m', 'x'.repeat(2000), '-q', '1']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("publish to 'big' refused: Packet too large (0x95)");
    expect(r.stderr).toContain('`mqtt-tool diagnose --limits` measures what the broker allows');
  });
});

describe('a default Mosquitto', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(() => broker.stop());

  test('no limit below the ceilings but the topic depth; no retained message left behind', async () => {
    const { code, report } = await probe(broker.port, ['--test-topic', 'probe-here']);
    expect(code).toBe(0);
    const v5 = report.limits;
    expect(v5['maxPayloadBytes']).toEqual({ value: 1_048_576, source: 'measured', atLeast: true });
    expect(v5['maxTopicLevels']).toMatchObject({ source: 'measured' });
    expect(v5['maxQos']).toMatchObject({ value: 2 });
    expect(v5['retain']).toEqual({ value: true, source: 'both' });
    expect(v5['sharedSubscriptions']).toEqual({ value: true, source: 'both' });
    expect(v5['subscriptionIdentifiers']).toEqual({ value: true, source: 'both' });
    expect(v5['sessionExpiry']).toMatchObject({ value: 30, source: 'measured' });
    expect(v5['willDelay']).toMatchObject({ source: 'measured', note: expect.stringContaining('arrived after') });
    expect(report.limitsByVersion['3.1.1']?.['sessionExpiry']).toMatchObject({ value: 'kept' });
    // Retained messages come right after the SUBACK; a marker published after it closes the window.
    const c = await testClient(`mqtt://127.0.0.1:${broker.port}`);
    const left = await collectMessages(c, 'probe-here/#', 1);
    await c.publishAsync('probe-here/marker', 'end', { qos: 1 });
    await left.waitFor(1);
    expect(left.messages.map((m) => m.topic)).toEqual(['probe-here/marker']);
    await c.endAsync();
    const total = report.limitsProbe.reduce((n, r) => n + r.messages, 0);
    expect(total).toBeLessThan(200);
  }, 120_000);

  test('--limits-rate: publish rates up to the ceiling, stated; a short --limits-timeout stops the probe in time', async () => {
    const rate = await probe(broker.port, ['-V', '5', '--limits-rate', '200']);
    expect(rate.report.limits['packetRate']).toMatchObject({ value: 200, atLeast: true, note: expect.stringContaining('--limits-rate stopped it') });
    const t0 = performance.now();
    const short = await probe(broker.port, ['-V', '5', '--limits-timeout', '5', '--limits-rate', '100000']);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(short.report.limitsProbe.some((r) => r.outOfTime)).toBe(true);
    expect(short.report.limits['packetRate']?.note).toMatch(/stopped it$/);
  }, 120_000);
});

test('the embedded broker: probed like any other', async () => {
  const r = await runCli(['diagnose', '--embedded', '--limits', '--json'], { timeoutMs: 90_000 });
  const report = JSON.parse(r.stdout) as Report;
  expect(report.limits['maxPayloadBytes']).toMatchObject({ source: 'measured' });
  expect(report.limits['sharedSubscriptions']).toMatchObject({ value: false, source: 'advertised' });
  expect(Object.keys(report.limitsByVersion)).toEqual(['5', '3.1.1']);
}, 120_000);
