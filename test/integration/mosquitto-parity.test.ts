/** What a mosquitto_pub/sub user reaches for, against a real Mosquitto. */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPublishPacket } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import net from 'node:net';
import { BIN, collect, runCli, spawnCli, waitForStderr } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';
import { tempDir } from '../helpers/temp.js';
import { freePort } from '../helpers/ports.js';
import { startDante } from '../helpers/dante.js';
import { startDnsServer } from '../helpers/dns-server.js';

const dir = tempDir('mqtt-tool-parity-');
let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(() => broker.stop());

describe('-o FILE', () => {
  test('options from a mosquitto-style file; the command line overrides them', async () => {
    const file = join(dir, 'mosquitto_pub');
    writeFileSync(file, `# written for mosquitto_pub\n-h 127.0.0.1\n-p ${broker.port}\n-q 1\n-t from/file\n`);
    const watcher = await testClient(`mqtt://127.0.0.1:${broker.port}`);
    const got = await collectMessages(watcher, 'from/#', 1);
    expect((await runCli(['pub', '-o', file, '-m', 'a b'])).code).toBe(0);
    expect((await runCli(['pub', '-o', file, '-t', 'from/cli', '-m', 'c'])).code).toBe(0);
    await got.waitFor(2);
    await watcher.endAsync();
    expect(got.messages.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([
      ['from/file', 'a b', 1],
      ['from/cli', 'c', 1],
    ]);
  });
  test('a missing file or a bad line is exit 2 naming it', async () => {
    const missing = await runCli(['sub', '-o', join(dir, 'nope'), '-t', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read -o '${join(dir, 'nope')}': no such file`);
    const bad = join(dir, 'bad');
    writeFileSync(bad, '-h 127.0.0.1\nport 1883\n');
    const r = await runCli(['sub', '-o', bad, '-t', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2: expected a flag`);
  });
});

describe('sub: -U, --random-filter, field widths and time specifiers', () => {
  const conn = (): string[] => ['-h', '127.0.0.1', '-p', String(broker.port)];
  test('-U clears a persistent session\'s subscription: messages sent afterwards no longer queue for it', async () => {
    const id = `parity-u-${process.pid}`;
    expect((await runCli(['sub', ...conn(), '-i', id, '-c', '-q', '1', '-t', 'parity/u/#', '-E'])).code).toBe(0);
    const r = await runCli(['sub', ...conn(), '-i', id, '-c', '-U', 'parity/u/#', '-U', 'parity/never/#']);
    expect(r.code).toBe(0);
    // MQTT 5 names the filter that had no subscription (0x11).
    expect(r.stderr).toContain("unsubscribing from 'parity/never/#': No subscription existed (0x11)");
    expect((await runCli(['pub', ...conn(), '-t', 'parity/u/a', '-q', '1', '-m', 'while away'])).code).toBe(0);
    const back = await runCli(['sub', ...conn(), '-i', id, '-c', '-q', '1', '-t', 'parity/other', '-W', '1']);
    expect(back.stdout).toBe('');
    expect((await runCli(['sub', ...conn(), '-i', id, '-U', 'parity/other'])).code).toBe(0);
  });
  test('--random-filter prints about that share of the messages; 100 prints all', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => `m${i}`).join('\n');
    const sampled = spawnSub(['-t', 'parity/rf', '-q', '1', '--random-filter', '25', '-W', '4']);
    const all = spawnSub(['-t', 'parity/rf', '-q', '1', '--random-filter', '100', '-C', '400', '-W', '10']);
    await Promise.all([sampled.ready, all.ready]);
    expect((await runCli(['pub', ...conn(), '-t', 'parity/rf', '-q', '1', '-l'], { stdin: `${lines}\n` })).code).toBe(0);
    const [s, a] = await Promise.all([sampled.done, all.done]);
    expect(a.stdout.split('\n').filter((l) => l !== '')).toHaveLength(400);
    const n = s.stdout.split('\n').filter((l) => l !== '').length;
    // 400 draws at 25 %: mean 100, standard deviation about 8.7; 50..150 is more than 5 deviations either way.
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThan(150);
    expect((await runCli(['sub', '-t', 'x', '--random-filter', '0'])).stderr).toContain("invalid percentage '0' for --random-filter");
  });
  test('-F with printf widths and @ time specifiers, as mosquitto_sub prints them', async () => {
    const sub = spawnSub(['-t', 'parity/fmt/#', '-C', '1', '-W', '5', '-F', '|%-14t|%8p|%.3p|%03l|@Y-@m-@d|@@|'], { TZ: 'UTC' });
    await sub.ready;
    expect((await runCli(['pub', ...conn(), '-t', 'parity/fmt/a', '-m', 'hello'])).code).toBe(0);
    const r = await sub.done;
    expect(r.stdout).toMatch(/^\|parity\/fmt\/a  \|   hello\|hel\|005\|\d{4}-\d{2}-\d{2}\|@\|\n$/);
  });
});

function spawnSub(args: string[], env: Record<string, string> = {}) {
  const child = spawnCli(['sub', '-h', '127.0.0.1', '-p', String(broker.port), '-d', ...args], { env });
  const done = collect(child, 30_000);
  return { ready: waitForStderr(child, '<-- SUBACK'), done };
}

describe('sub --watch', () => {
  test('on a terminal: one line per topic, the latest message of each, redrawn in place', async () => {
    const cmd = `stty rows 12 cols 60; node ${BIN} sub -h 127.0.0.1 -p ${broker.port} -t 'parity/w/#' --watch -W 3`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const done = collect(child, 30_000);
    const source = await testClient(`mqtt://127.0.0.1:${broker.port}`);
    // No SUBACK to wait for on a terminal screen: the messages are retained, so the screen ends the same
    // whether sub subscribed before, between or after them; -W 3 ends the run.
    for (const [t, p] of [['a', '1'], ['b', '1'], ['c', '1'], ['a', '2'], ['b', '2'], ['a', '3']] as const) await source.publishAsync(`parity/w/${t}`, p, { qos: 1, retain: true });
    const r = await done;
    await source.endAsync();
    const screens = r.stdout.split('\x1b[H');
    const last = (screens.at(-1) as string).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split(/\r?\n/).filter((l) => l !== '');
    // The pseudo-terminal carries stderr too: -W's notice follows the screen.
    expect(last).toEqual(['parity/w/a 3', 'parity/w/b 2', 'parity/w/c 1', 'mqtt-tool: -W 3: time is up']);
  });
  test('not on a terminal: exit 2', async () => {
    const r = await runCli(['sub', '-h', '127.0.0.1', '-p', String(broker.port), '-t', 'x', '--watch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--watch draws on a terminal: stdout is not one');
  });
});

describe('transports: --unix, --bind-address, --nodelay', () => {
  test('--unix: publish through Mosquitto\'s Unix socket listener, seen by a TCP subscriber', async () => {
    const sockDir = tempDir('mqtt-tool-sock-');
    const sock = join(sockDir, 'mosquitto.sock');
    const b = await startMosquitto({ extra: [`listener 0 ${sock}`, 'allow_anonymous true'] });
    try {
      const watcher = await testClient(`mqtt://127.0.0.1:${b.port}`);
      const got = await collectMessages(watcher, 'parity/unix', 1);
      const r = await runCli(['pub', '--unix', sock, '-t', 'parity/unix', '-q', '1', '-m', 'over a socket', '--nodelay']);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      await got.waitFor(1);
      await watcher.endAsync();
      expect(got.messages[0]?.payload.toString()).toBe('over a socket');
      const missing = await runCli(['pub', '--unix', join(sockDir, 'nope.sock'), '-t', 'x', '-m', 'y']);
      expect(missing.code).toBe(4);
      expect(missing.stderr).toContain(`cannot connect to the Unix socket ${join(sockDir, 'nope.sock')}: no such socket`);
      expect((await runCli(['pub', '--unix', sock, '-h', 'x', '-t', 'x', '-m', 'y'])).stderr).toContain("--unix names the broker's socket: drop -h");
      expect((await runCli(['pub', '--unix', sock, '--cafile', sock, '-t', 'x', '-m', 'y'])).stderr).toContain('--unix carries plain MQTT only');
    } finally {
      b.stop();
    }
  });
  test('--bind-address: the connection comes from that local address; one that is not local is exit 4', async () => {
    const seen: string[] = [];
    const server = net.createServer((s) => {
      seen.push(s.remoteAddress ?? '');
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(port), '-A', '127.0.0.2', '-t', 'x', '-m', 'y']);
      expect(r.code).toBe(4);
      // Every connection, the diagnosis probe after a silent close included, comes from the bound address.
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set(['127.0.0.2']));
      const bad = await runCli(['pub', '-h', '127.0.0.1', '-p', String(port), '--bind-address', '192.0.2.77', '-t', 'x', '-m', 'y']);
      expect(bad.code).toBe(4);
      expect(bad.stderr).toContain('cannot connect from 192.0.2.77 (--bind-address)');
    } finally {
      server.close();
    }
  });
});

describe('TLS: --capath, --tls-use-os-certs, ciphers, --tls-keylog, PSK, encrypted keys', () => {
  const TLS = new URL('../fixtures/tls/', import.meta.url).pathname;
  let tlsBroker: Mosquitto;
  beforeAll(async () => {
    tlsBroker = await startMosquitto({
      tls: { cert: `${TLS}valid-chain.crt`, key: `${TLS}valid.key`, ca: `${TLS}ca.crt` },
      extra: ['ciphers ECDHE-RSA-AES256-GCM-SHA384', 'ciphers_tls1.3 TLS_AES_256_GCM_SHA384'],
    });
  });
  afterAll(() => tlsBroker.stop());
  const tlsConn = (): string[] => ['-h', 'localhost', '-p', String(tlsBroker.port)];
  const pub = (args: string[]) => runCli(['pub', ...tlsConn(), '-t', 'parity/tls', '-m', 'x', '-q', '1', ...args]);

  test('--capath trusts the certificates of a directory; --tls-use-os-certs trusts the system\'s, and with --cafile both', async () => {
    const cas = tempDir('mqtt-tool-capath-');
    writeFileSync(join(cas, 'private-root.pem'), readFileSync(`${TLS}ca.crt`));
    expect(await pub(['--capath', cas])).toMatchObject({ code: 0, stderr: '' });
    const osOnly = await pub(['--tls-use-os-certs']);
    expect(osOnly.code).toBe(5);
    expect(osOnly.stderr).toMatch(/TLS: .*(issuer|CA|trusted|verify)/i);
    expect(await pub(['--tls-use-os-certs', '--cafile', `${TLS}ca.crt`])).toMatchObject({ code: 0, stderr: '' });
    const empty = tempDir('mqtt-tool-capath-empty-');
    expect((await pub(['--capath', empty])).stderr).toContain(`--capath '${empty}' holds no certificate`);
  });

  test('--ciphers (TLS 1.2) and --tls13-ciphers: a match connects, a mismatch is exit 5 naming the alert', async () => {
    const ca = ['--cafile', `${TLS}ca.crt`];
    expect(await pub([...ca, '--tls-version', 'tlsv1.2', '--ciphers', 'ECDHE-RSA-AES256-GCM-SHA384'])).toMatchObject({ code: 0, stderr: '' });
    const no12 = await pub([...ca, '--tls-version', 'tlsv1.2', '--ciphers', 'ECDHE-RSA-AES128-GCM-SHA256']);
    expect(no12.code).toBe(5);
    expect(no12.stderr).toContain("alert 'handshake failure'");
    expect(await pub([...ca, '--tls-version', 'tlsv1.3', '--tls13-ciphers', 'TLS_AES_256_GCM_SHA384'])).toMatchObject({ code: 0, stderr: '' });
    const no13 = await pub([...ca, '--tls-version', 'tlsv1.3', '--tls13-ciphers', 'TLS_AES_128_GCM_SHA256']);
    expect(no13.code).toBe(5);
    expect(no13.stderr).toContain('TLS: ');
  });

  test('--tls-keylog appends the session secrets in NSS key log format', async () => {
    const file = join(dir, 'keys.log');
    const r = await pub(['--cafile', `${TLS}ca.crt`, '--tls-keylog', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`--tls-keylog: TLS session secrets go to ${file}`);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.some((l) => /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$/.test(l))).toBe(true);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect((await pub(['--cafile', `${TLS}ca.crt`, '--tls-keylog', '/nonexistent/dir/keys'])).stderr).toContain("cannot write --tls-keylog '/nonexistent/dir/keys': ENOENT");
  });

  test('an encrypted --key with --key-password-file; without it, or with a wrong one, exit 2 saying so', async () => {
    const b = await startMosquitto({ tls: { cert: `${TLS}valid-chain.crt`, key: `${TLS}valid.key`, ca: `${TLS}ca.crt`, requireCertificate: true } });
    try {
      const encrypted = join(dir, 'client-enc.key');
      execFileSync('openssl', ['pkey', '-in', `${TLS}client.key`, '-aes256', '-passout', 'pass:s3cret', '-out', encrypted]);
      const pw = join(dir, 'key-pw');
      writeFileSync(pw, 's3cret\n', { mode: 0o600 });
      const args = ['pub', '-h', 'localhost', '-p', String(b.port), '--cafile', `${TLS}ca.crt`, '--cert', `${TLS}client-chain.crt`, '--key', encrypted, '-t', 'x', '-m', 'y'];
      expect(await runCli([...args, '--key-password-file', pw])).toMatchObject({ code: 0, stderr: '' });
      const missing = await runCli(args);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--key is encrypted: give its passphrase with --key-password-file FILE');
      writeFileSync(pw, 'wrong\n');
      expect((await runCli([...args, '--key-password-file', pw])).stderr).toContain('wrong passphrase');
    } finally {
      b.stop();
    }
  });

  test('TLS-PSK against a psk_file listener; a wrong key or identity is exit 5 naming the alert', async () => {
    const pskFile = join(dir, 'psk');
    writeFileSync(pskFile, 'dev1:0a1b2c3d4e5f\n');
    const port = await freePort();
    const b = await startMosquitto({ extra: [`listener ${port} 127.0.0.1`, 'psk_hint mqtt-tool-test', `psk_file ${pskFile}`, 'use_identity_as_username false'] });
    try {
      const psk = (key: string, id: string) => runCli(['pub', '-h', '127.0.0.1', '-p', String(port), '--psk', key, '--psk-identity', id, '-t', 'x', '-m', 'y', '-q', '1']);
      expect(await psk('0a1b2c3d4e5f', 'dev1')).toMatchObject({ code: 0, stderr: '' });
      const wrongKey = await psk('0a1b2c3d4e5e', 'dev1');
      expect(wrongKey.code).toBe(5);
      expect(wrongKey.stderr).toContain("TLS: the TLS-PSK key does not match the broker's");
      const wrongId = await psk('0a1b2c3d4e5f', 'nobody');
      expect(wrongId.code).toBe(5);
      expect(wrongId.stderr).toContain("the broker does not know this PSK identity (alert 'unknown psk identity')");
    } finally {
      b.stop();
    }
  });
});

describe('-D COMMAND PROPERTY VALUE', () => {
  const conn = (): string[] => ['-h', '127.0.0.1', '-p', String(broker.port)];
  test('publish properties, user properties from -D and --user-property together', async () => {
    const watcher = await testClient(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5 });
    const got: Array<IPublishPacket['properties']> = [];
    watcher.on('message', (_t, _p, packet) => got.push(packet.properties));
    await watcher.subscribeAsync('parity/d/pub', { qos: 1 });
    const r = await runCli(['pub', ...conn(), '-t', 'parity/d/pub', '-q', '1', '-m', 'x', '-D', 'publish', 'user-property', 'k', 'v1', '--user-property', 'k=v0', '-D', 'publish', 'content-type', 'text/plain', '-D', 'publish', 'message-expiry-interval', '60']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    await watcher.endAsync();
    expect(got[0]).toMatchObject({ contentType: 'text/plain', userProperties: { k: ['v0', 'v1'] } });
    expect(got[0]?.messageExpiryInterval).toBeGreaterThan(50);
  });
  test('-D subscribe subscription-identifier comes back on each message (%S)', async () => {
    const sub = spawnSub(['-t', 'parity/d/sid', '-D', 'subscribe', 'subscription-identifier', '7', '-F', '%S %p', '-C', '1', '-W', '5']);
    await sub.ready;
    expect((await runCli(['pub', ...conn(), '-t', 'parity/d/sid', '-m', 'x'])).code).toBe(0);
    expect((await sub.done).stdout).toBe('7 x\n');
  });
  test('-D connect maximum-packet-size: the broker sends this client nothing larger', async () => {
    const sub = spawnSub(['-t', 'parity/d/max', '-D', 'connect', 'maximum-packet-size', '100', '-C', '1', '-W', '5']);
    await sub.ready;
    expect((await runCli(['pub', ...conn(), '-t', 'parity/d/max', '-q', '1', '-m', 'x'.repeat(300)])).code).toBe(0);
    expect((await runCli(['pub', ...conn(), '-t', 'parity/d/max', '-q', '1', '-m', 'small'])).code).toBe(0);
    expect((await sub.done).stdout).toBe('small\n');
  });
  test('-D connect authentication-method: a broker without it refuses, named (exit 3)', async () => {
    const r = await runCli(['pub', ...conn(), '-t', 'x', '-m', 'y', '-D', 'connect', 'authentication-method', 'SCRAM-SHA-256']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Bad authentication method (0x8C)');
  });
  test('-D with -V 311 is refused', async () => {
    const r = await runCli(['pub', ...conn(), '-V', '311', '-t', 'x', '-m', 'y', '-D', 'connect', 'receive-maximum', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-D properties need MQTT 5');
  });
});

describe('--proxy (SOCKS5 through Dante) and -S (DNS SRV)', () => {
  test('through the proxy, a broker name it resolves; a destination its rules refuse and a proxy that is not there are exit 4, named', async () => {
    const proxy = await startDante(broker.port);
    try {
      const watcher = await testClient(`mqtt://127.0.0.1:${broker.port}`);
      const got = await collectMessages(watcher, 'parity/proxy', 1);
      const via = `socks5h://127.0.0.1:${proxy.port}`;
      expect(await runCli(['pub', '-h', 'localhost', '-p', String(broker.port), '--proxy', via, '-t', 'parity/proxy', '-q', '1', '-m', 'via socks'])).toMatchObject({ code: 0, stderr: '' });
      await got.waitFor(1);
      await watcher.endAsync();
      expect(got.messages[0]?.payload.toString()).toBe('via socks');
      const blocked = await runCli(['pub', '-h', '127.0.0.1', '-p', '1', '--proxy', via, '-t', 'x', '-m', 'y']);
      expect(blocked.code).toBe(4);
      expect(blocked.stderr).toContain(`SOCKS proxy 127.0.0.1:${proxy.port}: the proxy's rules do not allow a connection to 127.0.0.1:1`);
      const closed = await freePort();
      const absent = await runCli(['pub', '-h', '127.0.0.1', '-p', String(broker.port), '--proxy', `socks5h://127.0.0.1:${closed}`, '-t', 'x', '-m', 'y']);
      expect(absent.code).toBe(4);
      expect(absent.stderr).toContain(`cannot connect to the SOCKS proxy 127.0.0.1:${closed}: connection refused`);
      expect((await runCli(['pub', '--proxy', 'http://p:3128', '-t', 'x', '-m', 'y'])).stderr).toContain('only socks5h:// is supported');
    } finally {
      proxy.stop();
    }
  });
  test('mqtts:// through the proxy: TLS runs end to end over the tunnel, the certificate verified', async () => {
    const TLS = new URL('../fixtures/tls/', import.meta.url).pathname;
    const b = await startMosquitto({ tls: { cert: `${TLS}valid-chain.crt`, key: `${TLS}valid.key` } });
    const proxy = await startDante(b.port);
    try {
      const via = `socks5h://127.0.0.1:${proxy.port}`;
      const args = ['pub', '-L', `mqtts://localhost:${b.port}`, '--proxy', via, '-t', 'x', '-m', 'y', '-q', '1'];
      expect(await runCli([...args, '--cafile', `${TLS}ca.crt`])).toMatchObject({ code: 0, stderr: '' });
      // Without the private CA the broker's certificate is not trusted: the TLS error, not a proxy error.
      const untrusted = await runCli(args);
      expect(untrusted.code).toBe(5);
      expect(untrusted.stderr).toContain('TLS: ');
    } finally {
      proxy.stop();
      b.stop();
    }
  });
  test('-S finds the broker from _mqtt._tcp.DOMAIN; a domain without the record is exit 4, named', async () => {
    const dns = await startDnsServer({ '_mqtt._tcp.mqtt-tool.test': [{ target: 'localhost', port: broker.port }] });
    try {
      const env = { MQTT_TOOL_DNS_SERVER: dns.address };
      expect(await runCli(['pub', '-S', '-h', 'mqtt-tool.test', '-t', 'parity/srv', '-q', '1', '-m', 'found'], { env })).toMatchObject({ code: 0, stderr: '' });
      const none = await runCli(['pub', '-S', '-h', 'nothing.test', '-t', 'x', '-m', 'y'], { env });
      expect(none.code).toBe(4);
      expect(none.stderr).toContain('-S: DNS SRV lookup of _mqtt._tcp.nothing.test failed: no such record');
      expect((await runCli(['pub', '-S', '-t', 'x', '-m', 'y'], { env })).stderr).toContain('-S looks up the broker of a domain: give it with -h DOMAIN');
    } finally {
      dns.close();
    }
  });
});
