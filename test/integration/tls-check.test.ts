/** tls-check against Mosquitto TLS listeners serving the fixture certificates. */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';

const TLS = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const started: Mosquitto[] = [];
afterAll(async () => {
  await Promise.all(started.map((b) => b.stop()));
});

async function listener(leaf: string, chain = `${leaf}-chain`, extra: { requireCertificate?: boolean; tlsVersion?: string } = {}): Promise<Mosquitto> {
  const b = await startMosquitto({ tls: { cert: `${TLS}${chain}.crt`, key: `${TLS}${leaf}.key`, ca: `${TLS}ca.crt`, ...extra } });
  started.push(b);
  return b;
}

interface Report {
  result: string;
  exitCode: number;
  chain: Array<{ subject: string; daysLeft: number }>;
  versions: Record<string, string>;
  checks: Array<{ check: string; status: string; finding: string }>;
}
async function check(args: string[]): Promise<{ code: number | null; report: Report }> {
  const r = await runCli(['tls-check', '--json', '--connect-timeout', '3', ...args], { timeoutMs: 40_000 });
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}
const find = (r: Report, name: string) => r.checks.find((c) => c.check === name);

describe('tls-check', () => {
  test('a healthy endpoint: chain as presented, verified, versions probed, MQTT answered; exit 0', async () => {
    const b = await listener('valid');
    const { code, report } = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`]);
    expect(code).toBe(0);
    expect(report.chain.map((c) => c.subject).slice(0, 2)).toEqual(['valid', 'mqtt-tool test intermediate CA']);
    expect(find(report, 'verification')?.status).toBe('ok');
    expect(report.versions).toMatchObject({ 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' });
    expect(find(report, 'MQTT')?.finding).toContain('accepted');
    const human = await runCli(['tls-check', '-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`]);
    expect(human.stdout).toMatch(/^ok +verification +trusted \(--cafile\)/m);
  });

  test('--warn-days beyond the expiry: a warning, exit 8', async () => {
    const b = await listener('valid');
    const { code, report } = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`, '--warn-days', '99999']);
    expect(code).toBe(8);
    expect(find(report, 'expiry')).toMatchObject({ status: 'warn', finding: expect.stringContaining('expires soon') });
  });

  test.each([
    ['expired', 'a certificate has expired'],
    ['not-yet-valid', 'not valid yet'],
    ['unknown-ca', 'unknown issuer'],
  ])('%s: verification fails in words, exit 5', async (leaf, words) => {
    const b = await listener(leaf);
    const { code, report } = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`]);
    expect(code).toBe(5);
    expect(find(report, 'verification')).toMatchObject({ status: 'fail', finding: expect.stringContaining(words) });
  });

  test('self-signed', async () => {
    const b = await listener('self-signed', 'self-signed');
    const { code, report } = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`]);
    expect(code).toBe(5);
    expect(find(report, 'verification')?.finding).toMatch(/self-signed/);
  });

  test('served without its intermediate: the missing intermediate is named', async () => {
    const b = await listener('valid', 'valid-leaf-only');
    const { code, report } = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`]);
    expect(code).toBe(5);
    expect(find(report, 'verification')?.finding).toContain("'mqtt-tool test intermediate CA'");
  });

  test('wrong host name: the names the certificate covers are listed', async () => {
    const b = await listener('wrong-host');
    const { code, report } = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`]);
    expect(code).toBe(5);
    expect(find(report, 'verification')?.finding).toBe("the broker certificate does not cover the name 'localhost' (it covers: broker.example.com)");
  });

  test('--servername checks another name while connecting by IP', async () => {
    const b = await listener('wrong-host');
    const { code } = await check(['-h', '127.0.0.1', '-p', String(b.port), '--servername', 'broker.example.com', '--cafile', `${TLS}ca.crt`]);
    expect(code).toBe(0);
  });

  test('require_certificate: required without --cert; the given one accepted', async () => {
    const b = await listener('valid', 'valid-chain', { requireCertificate: true });
    const without = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`, '--no-mqtt']);
    expect(without.code).toBe(5);
    expect(find(without.report, 'client certificate')?.finding).toContain('requires a client certificate');
    const withCert = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`, '--cert', `${TLS}client-chain.crt`, '--key', `${TLS}client.key`]);
    expect(withCert.code).toBe(0);
    expect(find(withCert.report, 'client certificate')?.finding).toContain('accepted');
  });

  // Mosquitto 2.0's tls_version is the minimum version a listener accepts.
  test.each([
    ['tlsv1.2', { TLSv1: 'refused', 'TLSv1.1': 'refused', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' }],
    ['tlsv1.3', { 'TLSv1.2': 'refused', 'TLSv1.3': 'accepted' }],
  ])('versions are probed one by one (tls_version %s)', async (tlsVersion, expected) => {
    const b = await listener('valid', 'valid-chain', { tlsVersion });
    const { report } = await check(['-L', `mqtts://localhost:${b.port}`, '--cafile', `${TLS}ca.crt`]);
    expect(report.versions).toMatchObject(expected);
  });

  test('a plain listener: not TLS, exit 5; a closed port: exit 4', async () => {
    const plain = await startMosquitto();
    started.push(plain);
    const notTls = await check(['-L', `mqtts://localhost:${plain.port}`]);
    expect(notTls.code).toBe(5);
    expect(find(notTls.report, 'handshake')?.finding).toBe('the server does not speak TLS on this port');
    // No version is "refused" by a port that does not speak TLS at all.
    expect(notTls.report.versions).toEqual({});
    const human = await runCli(['tls-check', '-L', `mqtts://localhost:${plain.port}`]);
    expect(human.stdout).not.toContain('certificate chain');
    expect(human.stdout).not.toContain('versions');
    expect((await check(['-L', `mqtts://127.0.0.1:${await freePort()}`])).code).toBe(4);
  });

  test('mqtt:// is a usage error', async () => {
    expect((await runCli(['tls-check', '-L', 'mqtt://localhost'])).code).toBe(2);
  });
});
