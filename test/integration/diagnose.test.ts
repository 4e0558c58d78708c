/** Every diagnosis diagnose can give, provoked for real. */
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAedes, type AedesBroker } from '../helpers/aedes-broker.js';
import { runCli } from '../helpers/cli.js';
import { startFakeBroker } from '../helpers/fake-broker.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';

const TLS = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

interface Report {
  result: string;
  exitCode: number;
  summary: string;
  steps: Array<{ step: string; status: string; finding: string; hint?: string; details?: Array<[string, string]> }>;
}

async function diagnoseJson(args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCli(['diagnose', '--json', '--connect-timeout', '2', ...args], { timeoutMs: 30_000 });
  if (r.stdout === '') throw new Error(`diagnose printed no report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}
const failedStep = (r: Report) => r.steps.find((s) => s.status === 'fail');

let plain: Mosquitto;
let secured: Mosquitto;
let tlsBroker: Mosquitto;
beforeAll(async () => {
  [plain, secured, tlsBroker] = await Promise.all([
    startMosquitto(),
    startMosquitto({ users: { alice: 'wonderland' }, acl: 'user alice\ntopic readwrite allowed/#\n' }),
    startMosquitto({ tls: { cert: `${TLS}valid-chain.crt`, key: `${TLS}valid.key` } }),
  ]);
});
afterAll(async () => {
  await Promise.all([plain.stop(), secured.stop(), tlsBroker.stop()]);
});

describe('diagnose', () => {
  test('a healthy broker: every step ok, exit 0, CONNACK limits listed', async () => {
    const { code, report } = await diagnoseJson(['-h', '127.0.0.1', '-p', String(plain.port), '--check-will']);
    expect(code).toBe(0);
    expect(report.result).toBe('ok');
    expect(report.steps.map((s) => s.step)).toEqual(['configuration', 'DNS', 'TCP', 'MQTT CONNECT', 'round trip', 'retained', 'will']);
    const connect = report.steps.find((s) => s.step === 'MQTT CONNECT');
    expect(Object.fromEntries(connect?.details ?? [])).toMatchObject({ 'session present': 'false', 'receive maximum': expect.any(String) });
    // Mosquitto names itself on $SYS/broker/version.
    expect(Object.fromEntries(report.steps.find((s) => s.step === 'round trip')?.details ?? [])).toMatchObject({ broker: expect.stringMatching(/^mosquitto version 2\./) });
  });

  test('human output marks each step and ends with a one-sentence result', async () => {
    const r = await runCli(['diagnose', '-h', '127.0.0.1', '-p', String(plain.port)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok +round trip/m);
    expect(r.stdout).toMatch(/result: everything works/);
  });

  test('a closed port: TCP refused, exit 4', async () => {
    const port = await freePort();
    const { code, report } = await diagnoseJson(['-h', '127.0.0.1', '-p', String(port)]);
    expect(code).toBe(4);
    expect(failedStep(report)).toMatchObject({ step: 'TCP', finding: expect.stringContaining('nothing is listening') });
  });

  test('a host name that cannot resolve: DNS, exit 4', async () => {
    const { code, report } = await diagnoseJson(['-h', 'no-such-host.invalid']);
    expect(code).toBe(4);
    expect(failedStep(report)).toMatchObject({ step: 'DNS', finding: expect.stringContaining('does not resolve') });
  });

  test('a wrong password: refused by name, exit 3', async () => {
    const { code, report } = await diagnoseJson(['-h', '127.0.0.1', '-p', String(secured.port), '-u', 'alice', '-P', 'nope']);
    expect(code).toBe(3);
    expect(failedStep(report)).toMatchObject({ step: 'MQTT CONNECT', finding: 'refused: Not authorized (0x87)', hint: expect.stringContaining('wrong user name or password') });
  });

  test('a wrong user name: refused, exit 3', async () => {
    const { code } = await diagnoseJson(['-h', '127.0.0.1', '-p', String(secured.port), '-u', 'mallory', '-P', 'wonderland']);
    expect(code).toBe(3);
  });

  test('an ACL that denies the test topic: named as a refused operation, exit 7; an allowed --test-topic passes', async () => {
    const conn = ['-h', '127.0.0.1', '-p', String(secured.port), '-u', 'alice', '-P', 'wonderland'];
    const denied = await diagnoseJson(conn);
    expect(denied.code).toBe(7);
    expect(failedStep(denied.report)).toMatchObject({ step: 'round trip', hint: expect.stringContaining('--test-topic') });
    const allowed = await diagnoseJson([...conn, '--test-topic', 'allowed/diag']);
    expect(allowed.code).toBe(0);
  });

  test('plain MQTT spoken to a TLS listener: "expects TLS"', async () => {
    const { code, report } = await diagnoseJson(['-h', '127.0.0.1', '-p', String(tlsBroker.port)]);
    expect(code).toBe(4);
    expect(failedStep(report)?.finding).toContain('expects TLS');
    expect(failedStep(report)?.hint).toContain('mqtts://');
  });

  test('TLS spoken to a plain listener: exit 5, drop TLS', async () => {
    const { code, report } = await diagnoseJson(['-L', `mqtts://localhost:${plain.port}`]);
    expect(code).toBe(5);
    expect(failedStep(report)).toMatchObject({ step: 'TLS', finding: expect.stringContaining('plain (non-TLS) listener') });
  });

  test('TLS: verified with --cafile; a name the certificate does not cover is listed; an untrusted CA is named', async () => {
    const ok = await diagnoseJson(['-L', `mqtts://localhost:${tlsBroker.port}`, '--cafile', `${TLS}ca.crt`]);
    expect(ok.code).toBe(0);
    expect(Object.fromEntries(ok.report.steps.find((s) => s.step === 'TLS')?.details ?? [])).toMatchObject({ version: expect.stringMatching(/TLSv1\.[23]/) });
    const wrongName = await diagnoseJson(['-L', `mqtts://127.0.0.1:${tlsBroker.port}`, '--cafile', `${TLS}ca.crt`, '--servername', 'other.example']);
    expect(wrongName.code).toBe(5);
    expect(failedStep(wrongName.report)?.finding).toContain("does not cover the name 'other.example' (it covers: localhost, 127.0.0.1");
    const untrusted = await diagnoseJson(['-L', `mqtts://localhost:${tlsBroker.port}`]);
    expect(untrusted.code).toBe(5);
    expect(failedStep(untrusted.report)?.hint).toContain('--cafile');
  });

  test('a web server: "not an MQTT broker", exit 4', async () => {
    const server = http.createServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { code, report } = await diagnoseJson(['-h', '127.0.0.1', '-p', String((server.address() as net.AddressInfo).port)]);
      expect(code).toBe(4);
      expect(failedStep(report)?.finding).toMatch(/web server \("HTTP\/1\.1 400/);
    } finally {
      server.close();
    }
  });

  test('a listener that accepts TCP and stays silent: timeout, exit 6, bounded', async () => {
    const fake = await startFakeBroker({ kind: 'silent' });
    try {
      const t0 = Date.now();
      const { code, report } = await diagnoseJson(['-h', '127.0.0.1', '-p', String(fake.port), '-V', '5']);
      expect(code).toBe(6);
      expect(failedStep(report)?.finding).toContain('no answer within 2 s');
      // Connect timeout 2 s, plus the TLS probe on the same port: well inside the timeout plus a few seconds.
      expect(Date.now() - t0).toBeLessThan(2_000 + 8_000);
    } finally {
      await fake.close();
    }
  });

  describe('an MQTT 3.1.1-only broker (aedes 1.2.0)', () => {
    let aedes: AedesBroker;
    beforeAll(async () => {
      aedes = await startAedes(1);
    });
    afterAll(() => aedes.stop());
    test('MQTT 5 is refused, 3.1.1 accepted: a warning that says the commands fall back, exit 8', async () => {
      const { code, report } = await diagnoseJson(['-h', '127.0.0.1', '-p', String(aedes.port)]);
      expect(code).toBe(8);
      const step = report.steps.find((s) => s.step === 'MQTT CONNECT');
      expect(step).toMatchObject({
        status: 'warn',
        finding: 'the broker does not accept MQTT 5; it accepts MQTT 3.1.1',
        hint: 'pub, sub and bench fall back to it by themselves; rr needs MQTT 5; -V 311 skips the step.',
      });
      expect(report.steps.find((s) => s.step === 'round trip')?.status).toBe('ok');
    });
    test('with -V 5 explicitly, no fallback: refused, exit 3', async () => {
      const { code } = await diagnoseJson(['-h', '127.0.0.1', '-p', String(aedes.port), '-V', '5']);
      expect(code).toBe(3);
    });
  });

  test('configuration warnings: plain mqtt:// on 8883', async () => {
    const { report } = await diagnoseJson(['-L', 'mqtt://127.0.0.1:8883']);
    expect(report.steps[0]).toMatchObject({ step: 'configuration', status: 'warn', finding: expect.stringContaining('use mqtts://') });
  });
});
