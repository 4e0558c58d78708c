import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { tlsConnectionOptions } from '../../src/tls/connect-params.js';
import { pickSrv, srvName } from '../../src/setup/srv.js';
import { buildConnectionSpec, type SpecContext } from '../../src/setup/build-spec.js';
import { describeEndpoint } from '../../src/protocol/endpoint.js';
import { parseBrokerUrl, parseProxyUrl } from '../../src/setup/broker-url.js';
import { toMqttOptions } from '../../src/connection/mqttjs-options.js';
import type { ConnectionFlags } from '../../src/cli/connection-flags.js';

const files: Record<string, string> = { '/ca.pem': 'CA', '/pw': 'secret\n', '/cert.pem': 'CERT', '/key.pem': 'KEY' };
const ctx = (over: Partial<SpecContext> = {}): SpecContext => ({
  env: {},
  readFile: (flag, path) => {
    const body = files[path];
    if (body === undefined) throw new UsageError(`cannot read ${flag} '${path}'`);
    return Buffer.from(body);
  },
  readCaDirectory: (flag, dir) => {
    if (dir !== '/cas') throw new UsageError(`cannot read ${flag} '${dir}'`);
    return [Buffer.from('CA1\n'), Buffer.from('CA2')];
  },
  osCaCertificates: () => ['OS1'],
  randomId: () => 'abc123',
  longRunning: false,
  ...over,
});
const spec = (flags: ConnectionFlags, over: Partial<SpecContext> = {}) => buildConnectionSpec(flags, ctx(over));

describe('defaults', () => {
  test('localhost:1883, MQTT 5, clean, keepalive 60, 10 s connect timeout', () => {
    const s = spec({});
    expect(s).toMatchObject({
      transport: 'mqtt',
      host: 'localhost',
      port: 1883,
      protocolVersion: 5,
      clean: true,
      keepaliveSeconds: 60,
      connectTimeoutMs: 10_000,
      clientId: 'mqtt-tool-abc123',
      tls: undefined,
      will: undefined,
    });
    expect(s.reconnect.enabled).toBe(false);
  });
  test.each([
    ['mqtt://h', 1883],
    ['mqtts://h', 8883],
    ['ws://h', 80],
    ['wss://h', 443],
  ])('%s defaults to port %i', (url, port) => expect(spec({ url }).port).toBe(port));
  test('long-running commands reconnect unless --no-reconnect', () => {
    expect(spec({}, { longRunning: true }).reconnect.enabled).toBe(true);
    expect(spec({ reconnect: false }, { longRunning: true }).reconnect.enabled).toBe(false);
  });
});

describe('URL', () => {
  test('user, password, host, port and topic', () => {
    const s = spec({ url: 'mqtts://al%40ice:p%3Ass@broker.example:8884/a/b' });
    expect(s).toMatchObject({ transport: 'mqtts', host: 'broker.example', port: 8884, username: 'al@ice', urlTopic: 'a/b', passwordSource: 'url' });
    expect(s.password?.toString()).toBe('p:ss');
  });
  test('IPv6 literal', () => {
    expect(spec({ url: 'mqtt://[::1]:1884' })).toMatchObject({ host: '::1', port: 1884 });
    expect(describeEndpoint(spec({ url: 'mqtt://[::1]:1884' }))).toBe('mqtt://[::1]:1884');
  });
  test('ws path defaults to /mqtt and is kept when given', () => {
    expect(spec({ url: 'ws://h' }).path).toBe('/mqtt');
    expect(spec({ url: 'ws://h:9001/ws' }).path).toBe('/ws');
    expect(spec({ url: 'ws://h:9001/ws' }).urlTopic).toBeUndefined();
  });
  test('flags override the URL', () => {
    expect(spec({ url: 'mqtt://a:1', host: 'b', port: 2 })).toMatchObject({ host: 'b', port: 2 });
  });
  test.each(['http://h', 'ftp://h', 'mqtt//h', 'localhost:1883', 'mqtt://', 'mqtt://h:99999', 'mqtt://h:0'])('rejects %s', (url) => {
    expect(() => spec({ url })).toThrow(UsageError);
  });
  test('never throws anything but UsageError (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      try {
        parseBrokerUrl(s);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
      }
    }));
  });
  test('round-trips generated URLs (property)', () => {
    fc.assert(fc.property(fc.constantFrom('mqtt', 'mqtts', 'ws', 'wss'), fc.domain(), fc.integer({ min: 1, max: 65535 }), (scheme, host, port) => {
      const parts = parseBrokerUrl(`${scheme}://${host}:${port}`);
      expect(parts.host).toBe(host.toLowerCase());
      expect(parts.transport).toBe(scheme);
      // WHATWG URL drops the default port of special schemes only; mqtt/ws are not special here except ws/wss.
      if (!((scheme === 'ws' && port === 80) || (scheme === 'wss' && port === 443))) expect(parts.port).toBe(port);
    }));
  });
});

describe('password sources', () => {
  test('flag beats file beats URL beats env', () => {
    expect(spec({ username: 'u', password: 'f', passwordFile: '/pw', url: 'mqtt://u:x@h' }, { env: { MQTT_TOOL_PASSWORD: 'e' } }).passwordSource).toBe('flag');
    expect(spec({ username: 'u', passwordFile: '/pw', url: 'mqtt://u:x@h' }, { env: { MQTT_TOOL_PASSWORD: 'e' } }).passwordSource).toBe('file');
    expect(spec({ url: 'mqtt://u:x@h' }, { env: { MQTT_TOOL_PASSWORD: 'e' } }).passwordSource).toBe('url');
    expect(spec({ username: 'u' }, { env: { MQTT_TOOL_PASSWORD: 'e' } }).passwordSource).toBe('env');
  });
  test('a password file loses one trailing newline only', () => {
    expect(spec({ username: 'u', passwordFile: '/pw' }).password?.toString()).toBe('secret');
  });
  test('unreadable password file is a usage error', () => {
    expect(() => spec({ passwordFile: '/missing' })).toThrow(/--password-file/);
  });
  test('3.1.1 forbids a password without a user name; MQTT 5 allows it, but the encoder cannot send it', () => {
    expect(() => spec({ password: 'p', protocolVersion: 4 })).toThrow(/MQTT-3.1.2-22/);
    expect(() => spec({ password: 'p' })).toThrow(/MQTT 5 allows it, but mqtt-tool cannot send it/);
  });
  test('MQTT_TOOL_PASSWORD goes with a user name only', () => {
    expect(spec({}, { env: { MQTT_TOOL_PASSWORD: 'e' } }).password).toBeUndefined();
  });
});

describe('TLS', () => {
  test('mqtts verifies by default', () => {
    expect(spec({ url: 'mqtts://h' }).tls).toMatchObject({ rejectUnauthorized: true, ca: undefined });
  });
  test('--cafile on a plain URL switches to TLS and port 8883', () => {
    const s = spec({ cafile: '/ca.pem' });
    expect(s.transport).toBe('mqtts');
    expect(s.port).toBe(8883);
    expect(s.tls?.ca?.toString()).toBe('CA');
  });
  test('--insecure turns verification off', () => expect(spec({ url: 'mqtts://h', insecure: true }).tls?.rejectUnauthorized).toBe(false));
  test('--cert needs --key', () => expect(() => spec({ cert: '/cert.pem' })).toThrow(/--cert and --key/));
  test('--tls-version pins min and max', () => {
    expect(spec({ tlsVersion: 'tlsv1.2' }).tls).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(() => spec({ tlsVersion: 'tlsv9' })).toThrow(/tlsv1.2/);
  });
  test('--servername and --alpn', () => {
    expect(spec({ servername: 'x.example', alpn: ['mqtt'] }).tls).toMatchObject({ servername: 'x.example', alpn: ['mqtt'] });
  });
});

describe('session, id, will', () => {
  test('-c needs -i', () => expect(() => spec({ disableCleanSession: true })).toThrow(/-i ID/));
  test('-c keeps the session under MQTT 5 (session expiry set)', () => {
    const o = toMqttOptions(spec({ disableCleanSession: true, id: 'x' }));
    expect(o.clean).toBe(false);
    expect(o.properties?.sessionExpiryInterval).toBe(0xffffffff);
  });
  test('--session-expiry needs MQTT 5', () => {
    expect(() => spec({ sessionExpiry: 10, protocolVersion: 4 })).toThrow(/--session-expiry needs MQTT 5/);
    expect(toMqttOptions(spec({ sessionExpiry: 10 })).properties?.sessionExpiryInterval).toBe(10);
  });
  test('--id-prefix', () => expect(spec({ idPrefix: 'dev-' }).clientId).toBe('dev-abc123'));
  test('-i with --id-prefix is refused', () => expect(() => spec({ id: 'a', idPrefix: 'b' })).toThrow(UsageError));
  test('will flags need --will-topic', () => expect(() => spec({ willPayload: 'x' })).toThrow(/--will-topic/));
  test('will topic must be a valid topic name', () => expect(() => spec({ willTopic: 'a/#' })).toThrow(/MQTT-3.3.2-2/));
  test('--will-delay needs MQTT 5', () => expect(() => spec({ willTopic: 'w', willDelay: 5, protocolVersion: 4 })).toThrow(/--will-delay/));
  test('will maps to MQTT.js', () => {
    const o = toMqttOptions(spec({ willTopic: 'w', willPayload: 'bye', willQos: 1, willRetain: true, willDelay: 5 }));
    expect(o.will).toMatchObject({ topic: 'w', qos: 1, retain: true, properties: { willDelayInterval: 5 } });
    expect(o.will?.payload.toString()).toBe('bye');
  });
});

describe('toMqttOptions', () => {
  test('maps the spec and leaves reconnection to our policy', () => {
    const o = toMqttOptions(spec({ username: 'u', password: 'p', keepalive: 30, protocolVersion: 4, connectTimeout: 2.5 }));
    expect(o).toMatchObject({
      clientId: 'mqtt-tool-abc123',
      protocolVersion: 4,
      protocolId: 'MQTT',
      clean: true,
      keepalive: 30,
      connectTimeout: 2500,
      reconnectPeriod: 0,
      username: 'u',
    });
    expect(o.password?.toString()).toBe('p');
  });
  test('MQTT 3.1 uses MQIsdp', () => expect(toMqttOptions(spec({ protocolVersion: 3 })).protocolId).toBe('MQIsdp'));
});

describe('TLS as mosquitto_pub spells it: --capath, --tls-use-os-certs, ciphers, PSK, key passphrase, key log', () => {
  test('--capath and --tls-use-os-certs add to --cafile; each alone implies TLS', () => {
    expect(spec({ cafile: '/ca.pem', capath: '/cas' }).tls?.ca?.toString()).toBe('CA\nCA1\nCA2\n');
    expect(spec({ tlsUseOsCerts: true }).tls?.ca?.toString()).toBe('OS1');
    expect(spec({ capath: '/cas' }).transport).toBe('mqtts');
    expect(() => spec({ capath: '/cas' }, { readCaDirectory: () => [] })).toThrow("--capath '/cas' holds no certificate");
    expect(() => spec({ tlsUseOsCerts: true }, { osCaCertificates: () => [] })).toThrow('no CA certificates of the operating system');
  });
  test('--tls13-ciphers and --ciphers make one OpenSSL list, TLS 1.3 suites first', () => {
    expect(spec({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', tls13Ciphers: 'TLS_AES_256_GCM_SHA384' }).tls?.ciphers).toBe('TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES128-GCM-SHA256');
    expect(tlsConnectionOptions(spec({ ciphers: 'AES128-SHA' })).ciphers).toBe('AES128-SHA');
  });
  test('PSK: hex key and identity together, TLS 1.2, PSK suites, no certificate flags', () => {
    const s = spec({ psk: '0a1B', pskIdentity: 'dev1' });
    expect(s.tls).toMatchObject({ psk: { key: Buffer.from([0x0a, 0x1b]), identity: 'dev1' }, maxVersion: 'TLSv1.2', ciphers: 'PSK:ECDHE-PSK:DHE-PSK:!aNULL' });
    expect(tlsConnectionOptions(s).pskCallback?.(null)).toEqual({ psk: Buffer.from([0x0a, 0x1b]), identity: 'dev1' });
    expect(() => spec({ psk: 'abc', pskIdentity: 'x' })).toThrow('--psk must be the key in hexadecimal');
    expect(() => spec({ psk: 'ab' })).toThrow('--psk and --psk-identity go together');
    expect(() => spec({ psk: 'ab', pskIdentity: 'x', cafile: '/ca.pem' })).toThrow('--psk replaces certificates');
  });
  test.each(['tlsv1.3', 'TLSv1.3', '1.3'])('PSK with TLS 1.3 spelt %s (a profile may spell it so) is refused', (tlsVersion) => {
    expect(() => spec({ psk: 'ab', pskIdentity: 'x', tlsVersion })).toThrow('--psk works with TLS 1.2 here');
  });
  test('--unix names every TLS flag given, whichever of the fifteen it is', () => {
    const given: Array<[keyof ConnectionFlags, unknown, string]> = [
      ['cafile', '/ca.pem', '--cafile'], ['capath', '/cas', '--capath'], ['tlsUseOsCerts', true, '--tls-use-os-certs'], ['cert', '/cert.pem', '--cert'],
      ['key', '/key.pem', '--key'], ['keyPasswordFile', '/pw', '--key-password-file'], ['insecure', true, '--insecure'], ['tlsVersion', '1.2', '--tls-version'],
      ['alpn', ['mqtt'], '--alpn'], ['servername', 'b', '--servername'], ['ciphers', 'X', '--ciphers'], ['tls13Ciphers', 'Y', '--tls13-ciphers'],
      ['tlsKeylog', '/k', '--tls-keylog'], ['psk', 'ab', '--psk'], ['pskIdentity', 'i', '--psk-identity'],
    ];
    for (const [key, value, name] of given) {
      expect(() => spec({ unix: '/run/m.sock', [key]: value })).toThrow(`--unix carries plain MQTT only: drop ${name}`);
    }
  });
  test('--key-password-file: the passphrase without its trailing newline; --tls-keylog kept for the transport', () => {
    const s = spec({ cert: '/cert.pem', key: '/key.pem', keyPasswordFile: '/pw', tlsKeylog: '/tmp/keys' });
    expect(tlsConnectionOptions(s).passphrase).toBe('secret');
    expect(s.tls?.keylogFile).toBe('/tmp/keys');
    expect(() => spec({ keyPasswordFile: '/pw', cafile: '/ca.pem' })).toThrow('--key-password-file goes with --key');
  });
});

describe('--proxy and -S', () => {
  test('socks5h URLs, with user and password, port 1080 by default', () => {
    expect(parseProxyUrl('socks5h://u%40x:p%3Aw@proxy.lan')).toEqual({ host: 'proxy.lan', port: 1080, username: 'u@x', password: 'p:w' });
    expect(parseProxyUrl('socks5h://[::1]:9050')).toMatchObject({ host: '::1', port: 9050 });
    expect(() => parseProxyUrl('socks4://p:1080')).toThrow('only socks5h:// is supported');
    expect(() => parseProxyUrl('nope')).toThrow('is not a URL');
    expect(() => spec({ proxy: 'socks5h://p', url: 'ws://b/mqtt' })).toThrow('--proxy carries mqtt:// and mqtts://');
  });
  test('SRV choice: the lowest priority, then by weight (RFC 2782)', () => {
    const r = (priority: number, weight: number, name: string) => ({ priority, weight, name, port: 1883 });
    const records = [r(20, 100, 'backup'), r(10, 1, 'small'), r(10, 3, 'big')];
    expect(pickSrv(records, () => 0)?.name).toBe('small');
    expect(pickSrv(records, () => 0.3)?.name).toBe('big');
    expect(pickSrv(records, () => 0.99)?.name).toBe('big');
    expect(pickSrv([r(5, 0, 'only')], () => 0.5)?.name).toBe('only');
    expect(pickSrv([], Math.random)).toBeUndefined();
    expect(srvName('example.com', true)).toBe('_secure-mqtt._tcp.example.com');
  });
});
