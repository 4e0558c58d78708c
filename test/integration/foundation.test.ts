/**
 * The shared connection layer, end to end: the built binary against real
 * Mosquitto (password file, ACL, TLS listener), the embedded broker, and a
 * scripted fake broker only for CONNACK codes no real broker sends on demand.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, runCli, spawnCli, waitForStderr, waitForStdout } from '../helpers/cli.js';
import { startFakeBroker } from '../helpers/fake-broker.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';

const TLS = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('CLI basics', () => {
  test('--help lists the subcommands and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['pub\\|publish', 'sub\\|subscribe', 'broker']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    expect(r.stdout).toContain('Exit codes:');
  });
  test('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });
  test('an unknown flag exits 2 with one line naming it and a suggestion', async () => {
    const r = await runCli(['pub', '--qso', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mqtt-tool: unknown option '--qso' (did you mean --qos?)");
    expect(r.stderr).not.toMatch(/at .*\.js/);
  });
  test('no command: help on stderr, exit 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('mqtt-tool: no command given');
  });
  test('an unknown command exits 2', async () => {
    const r = await runCli(['pubb']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'pubb'");
  });
  test.each([
    [['conn'], "mqtt-tool: unknown command 'conn': to test a connection, use diagnose"],
    [['shell'], "mqtt-tool: unknown command 'shell': mqtt-tool has no interactive shell: use sub, pub and rr"],
    [['pub', '-l', 'lines.txt', '-t', 'x'], 'hint: pub -l reads the lines from stdin: `mqtt-tool pub -l -t TOPIC < FILE`'],
    [['pub', '-f'], "mqtt-tool: option '-f, --file <file>' argument missing\nhint: run with --help for the options"],
    [['pub', '-h'], 'hint: -h is the broker host, as in mosquitto_pub; help is --help'],
  ])('%j: exit 2 with words that point the way', async (args, words) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(words);
  });
  test('publish and subscribe are pub and sub; help publish is pub --help', async () => {
    const b = await startMosquitto();
    try {
      const at = ['-h', '127.0.0.1', '-p', String(b.port)];
      // A retained message: the subscriber gets it whenever it subscribes, no race with the publisher.
      expect((await runCli(['publish', ...at, '-t', 'alias/x', '-m', 'hi', '-r'])).code).toBe(0);
      expect(await runCli(['subscribe', ...at, '-t', 'alias/x', '-C', '1'])).toMatchObject({ code: 0, stdout: 'hi\n' });
      const help = await runCli(['help', 'publish']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: mqtt-tool pub|publish');
    } finally {
      await b.stop();
    }
  });
  test('help exit-codes prints the table', async () => {
    const r = await runCli(['help', 'exit-codes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ +7 {2}the broker refused an operation/m);
  });
});

describe('usage errors exit 2 before any connection', () => {
  let fake: Awaited<ReturnType<typeof startFakeBroker>>;
  beforeAll(async () => {
    fake = await startFakeBroker({ kind: 'connack', code: 0, version: 5 });
  });
  afterAll(() => fake.close());
  test.each([
    [['pub', '-t', 'a/+/b', '-m', 'x'], "publish topic must not contain '+' or '#'"],
    [['pub', '-t', 'a/#', '-m', 'x'], 'MQTT-3.3.2-2'],
    [['pub', '-t', '', '-m', 'x'], 'must not be empty'],
    [['pub', '-t', 'a', '-m', 'x', '-q', '3'], "invalid QoS '3' for -q"],
    [['pub', '-t', 'a', '-m', 'x', '-k', 'abc'], "invalid value 'abc' for -k"],
    [['pub', '-t', 'a', '-m', 'x', '-p', '65536'], "invalid value '65536' for -p"],
    [['pub', '-t', 'a', '-m', 'x', '-p', '0'], "invalid value '0' for -p"],
    [['pub', '-t', 'a', '-m', 'x', '-k', '65536'], "for -k"],
    [['pub', '-t', 'a', '-f', 'missing.bin'], "cannot read -f 'missing.bin': no such file"],
    [['pub', '-t', 'a', '-m', 'x', '-f', '/'], 'give only one message source'],
    [['pub', '-t', 'a', '-f', '/'], 'it is a directory'],
    [['pub', '-t', 'a', '-m', 'x', '-s'], 'give only one message source; got -m and -s'],
    [['pub', '-t', 'a'], 'no message to publish'],
    [['pub', '-m', 'x'], 'no topic'],
    [['pub', '-t', 'a', '-m', 'x', '-L', 'http://h'], "unknown URL scheme 'http:'"],
    [['pub', '-t', 'a', '-m', 'x', '-L', 'not a url'], 'malformed URL'],
    [['pub', '-t', 'a', '-m', 'x', '-V', '6'], "unknown protocol version '6'"],
    [['pub', '-t', 'a', '-m', 'x', '--will-qos', '3'], "for --will-qos"],
    [['pub', '-t', 'a', '-m', 'x', '--will-retain'], 'will flags need --will-topic'],
    [['pub', '-t', 'a', '-m', 'x', '--cafile', 'nope.pem'], "cannot read --cafile 'nope.pem'"],
    [['pub', '-t', 'a', '-m', 'x', '--cert', 'c.pem'], '--cert and --key go together'],
    [['pub', '-t', 'a', '-m', 'x', '--password-file', 'nope'], "cannot read --password-file 'nope'"],
    [['pub', '-t', 'a', '-m', 'x', '-V', '311', '--content-type', 'x'], '--content-type needs MQTT 5'],
    [['pub', '-t', 'a', '-m', 'x', '-V', '311', '--session-expiry', '5'], '--session-expiry needs MQTT 5'],
    [['pub', '-t', 'a', '-m', 'x', '-c'], '-c (persistent session) needs a fixed client id'],
    [['pub', '-t', 'a', '-m'], "option '-m, --message <text>' argument missing"],
    [['sub', '-t', 'a/#/b'], "invalid topic filter 'a/#/b'"],
    [['sub', '-t', 'sport+'], "'+' must occupy a whole level"],
    [['sub', '-t', 'a', '-C', '-1'], "for -C"],
    [['sub', '-t', 'a', '-W', 'soon'], "invalid duration 'soon' for -W"],
    [['sub', '-t', 'a', '-F', '%Z'], "unknown -F specifier '%Z'"],
    [['sub', '-t', 'a', '-V', '311', '--no-local'], '--no-local needs MQTT 5'],
    [['pub', '-t', 'a', '-m', 'x', '-i', 'i'.repeat(70_000)], '-i is 70,000 bytes; MQTT carries at most 65,535 in this field'],
    [['pub', '-t', 'a', '-m', 'x', '-u', 'u'.repeat(65_536)], '-u is 65,536 bytes'],
    [['pub', '-t', 'a', '-m', 'x', '-u', 'u', '-P', 'p'.repeat(66_000)], 'the password is 66,000 bytes'],
    [['pub', '-t', 'a', '-m', 'x', '--will-topic', 'w', '--will-payload', 'w'.repeat(66_000)], '--will-payload is 66,000 bytes'],
    [['pub', '-t', 'a', '-m', 'x', '--content-type', 'c'.repeat(66_000)], '--content-type is 66,000 bytes'],
    [['pub', '-t', 'a', '-m', 'x', '--user-property', `k=${'v'.repeat(66_000)}`], 'a --user-property value is 66,000 bytes'],
    [['pub', '-t', 'a\tb', '-m', 'x'], 'publish topic contains the control character U+0009 at character 2'],
    [['sub', '-t', 'a\u0085'], 'topic filter contains the control character U+0085'],
    [['pub', '-t', 'a\uFFFDb', '-m', 'x'], 'contains U+FFFD at character 2: the argument was probably not valid UTF-8'],
    [['sub', '-t', `${'x/'.repeat(35_000)}#/y`], `invalid topic filter '${'x/'.repeat(30)}… (70,003 characters)'`],
    [['pub', '-t', 'a', '-m', 'x', '-V', '9'], "unknown protocol version '9' for -V: use 5, 311 or 31 (also 5.0, 3.1.1, 3.1, the protocol levels 4 and 3"],
    [['pub', '-t', 'a', '-m', 'x', '-V', '3', '-P', 'pw'], 'MQTT 3.1.1 does not allow a password without a user name'],
    [['pub', '-t', 'a', '-m', 'x', '-m', 'y'], '-m given twice: give one message'],
    [['pub', '-t', 'a', '-m', 'x', '-P', 'pw'], 'a password without a user name: MQTT 5 allows it, but mqtt-tool cannot send it'],
    [['diagnose', '-P', 'pw'], 'a password without a user name: MQTT 5 allows it'],
  ])('%#: %j', async (args, message) => {
    const r = await runCli([args[0] as string, '-h', '127.0.0.1', '-p', String(fake.port), ...args.slice(1)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.split('\n')[0]).toMatch(/^mqtt-tool: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fake.connections()).toBe(0);
  });
});

describe('network and timeouts', () => {
  test('a closed port exits 4 and says nothing is listening', async () => {
    const port = await freePort();
    const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(port), '-t', 'a', '-m', 'x']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`cannot connect to 127.0.0.1:${port}: connection refused (nothing is listening there)`);
  });
  test('a name that does not resolve exits 4', async () => {
    const r = await runCli(['pub', '-h', 'nope.invalid', '-t', 'a', '-m', 'x']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("could not resolve host name 'nope.invalid'");
  });
  test('a listener that never answers exits 6 at --connect-timeout', async () => {
    const fake = await startFakeBroker({ kind: 'silent' });
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '--connect-timeout', '1', '-t', 'a', '-m', 'x']);
      expect(r.code).toBe(6);
      expect(r.stderr).toContain('no CONNACK from mqtt://127.0.0.1');
      expect(r.stderr).toContain('within 1 s');
      expect(r.stderr).toMatch(/hint: .*TLS port/);
    } finally {
      await fake.close();
    }
  });
  test('a peer that closes after CONNECT exits 4', async () => {
    const fake = await startFakeBroker({ kind: 'close-after-connect' });
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'a', '-m', 'x']);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('closed the connection before sending CONNACK');
    } finally {
      await fake.close();
    }
  });
});

const V5_REFUSALS: Array<[number, string]> = [
  [0x80, 'Unspecified error'], [0x81, 'Malformed Packet'], [0x82, 'Protocol Error'], [0x83, 'Implementation specific error'],
  [0x84, 'Unsupported Protocol Version'], [0x85, 'Client Identifier not valid'], [0x86, 'Bad User Name or Password'],
  [0x87, 'Not authorized'], [0x88, 'Server unavailable'], [0x89, 'Server busy'], [0x8a, 'Banned'],
  [0x8c, 'Bad authentication method'], [0x90, 'Topic Name invalid'], [0x95, 'Packet too large'], [0x97, 'Quota exceeded'],
  [0x99, 'Payload format invalid'], [0x9a, 'Retain not supported'], [0x9b, 'QoS not supported'], [0x9c, 'Use another server'],
  [0x9d, 'Server moved'], [0x9f, 'Connection rate exceeded'],
];

describe('MQTT 5 by default, 3.1.1 when the broker lacks it (fake broker)', () => {
  test('CONNACK 0x84 to a defaulted MQTT 5: one stderr line, then 3.1.1', async () => {
    const fake = await startFakeBroker({ kind: 'refuse-then-accept', code: 0x84, refusals: 1 });
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'a', '-m', 'x', '-q', '1']);
      expect(r).toMatchObject({ code: 0, stderr: `mqtt-tool: mqtt://127.0.0.1:${fake.port} does not speak MQTT 5 (CONNACK 0x84): using MQTT 3.1.1 (-V 311 skips this step)\n` });
      const connects = fake.received().filter((p) => p.cmd === 'connect');
      expect(connects.map((p) => (p as { protocolVersion: number }).protocolVersion)).toEqual([5, 4]);
    } finally {
      await fake.close();
    }
  });
  test('rr says it needs MQTT 5 instead of falling back', async () => {
    const fake = await startFakeBroker({ kind: 'refuse-then-accept', code: 0x84, refusals: 1 });
    try {
      const r = await runCli(['rr', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'a', '-e', 'b', '-m', 'x']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('request/response (response topic and correlation data) needs MQTT 5, and mqtt://127.0.0.1:');
      expect(fake.connections()).toBe(1);
    } finally {
      await fake.close();
    }
  });
});

describe('every CONNACK refusal exits 3 with its name and a hint (fake broker)', () => {
  test.each(V5_REFUSALS)('MQTT 5 0x%s %s', async (code, name) => {
    const fake = await startFakeBroker({
      kind: 'connack',
      version: 5,
      code,
      properties: code === 0x9d ? { serverReference: 'other.example:1883', reasonString: 'moved' } : undefined,
    });
    try {
      // -V 5: asked for explicitly, so 0x84 is not answered with the 3.1.1 fallback.
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-V', '5', '-t', 'a', '-m', 'x', '-u', 'user', '-P', 'pw']);
      expect(r.code).toBe(3);
      const hex = `0x${code.toString(16).toUpperCase()}`;
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^mqtt-tool: connection refused: ${name} \\(${hex}\\)`));
      expect(r.stderr).toMatch(/\nhint: \S/);
      if (code === 0x9d) expect(r.stderr).toContain('server reference: other.example:1883');
      expect(fake.connections()).toBe(1);
    } finally {
      await fake.close();
    }
  });
  test.each([
    [1, 'unacceptable protocol version'], [2, 'identifier rejected'], [3, 'Server unavailable'],
    [4, 'bad user name or password'], [5, 'not authorized'],
  ])('MQTT 3.1.1 code %i', async (code, name) => {
    const fake = await startFakeBroker({ kind: 'connack', version: 4, code });
    try {
      const r = await runCli(['pub', '-V', '311', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'a', '-m', 'x']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(name);
      expect(r.stderr).toContain(`(0x0${code})`);
      expect(fake.connections()).toBe(1);
    } finally {
      await fake.close();
    }
  });
  test('MQTT 5 against a 3.1.1-only broker (code 1) suggests -V 311', async () => {
    const fake = await startFakeBroker({ kind: 'connack', version: 4, code: 1 });
    try {
      const r = await runCli(['pub', '-h', '127.0.0.1', '-p', String(fake.port), '-t', 'a', '-m', 'x']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('-V 311');
    } finally {
      await fake.close();
    }
  });
});

describe('against Mosquitto with a password file and an ACL', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({
      users: { alice: 'wonderland' },
      acl: 'user alice\ntopic readwrite allowed/#\ntopic read readonly/#\n',
    });
  });
  afterAll(() => broker.stop());
  const conn = () => ['-h', '127.0.0.1', '-p', String(broker.port)];

  test('the right password from MQTT_TOOL_PASSWORD works', async () => {
    const r = await runCli(['pub', ...conn(), '-u', 'alice', '-t', 'allowed/x', '-m', 'hi', '-q', '1'], { env: { MQTT_TOOL_PASSWORD: 'wonderland' } });
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });
  test('a wrong password exits 3, names the refusal and hints at the password', async () => {
    const r = await runCli(['pub', ...conn(), '-u', 'alice', '-P', 'wrong', '-t', 'allowed/x', '-m', 'hi']);
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n')[0]).toBe('mqtt-tool: connection refused: Not authorized (0x87)');
    expect(r.stderr).toMatch(/hint: .*wrong user name or password/);
    expect(r.stderr).not.toContain('wrong\n');
  });
  test('MQTT 3.1.1: wrong password is code 5, same exit code', async () => {
    const r = await runCli(['pub', ...conn(), '-V', '311', '-u', 'alice', '-P', 'wrong', '-t', 'allowed/x', '-m', 'hi']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Connection Refused, not authorized (0x05)');
  });
  test('anonymous when the broker requires a login: the hint says to pass -u', async () => {
    const r = await runCli(['pub', ...conn(), '-t', 'allowed/x', '-m', 'hi']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/hint: .*anonymous.*pass -u/);
  });
  test('a publish the ACL forbids exits 7 and names the refusal', async () => {
    const r = await runCli(['pub', ...conn(), '-u', 'alice', '-t', 'readonly/x', '-m', 'hi', '-q', '1'], { env: { MQTT_TOOL_PASSWORD: 'wonderland' } });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("publish to 'readonly/x' refused: Not authorized (0x87)");
  });
  test('--debug masks the password', async () => {
    const r = await runCli(['pub', ...conn(), '-u', 'alice', '-P', 'wonderland', '-d', '-t', 'allowed/x', '-m', 'hi']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('password=****');
    expect(r.stderr).not.toContain('wonderland');
  });
  test('--debug shows every packet in order, the publish path\'s own included', async () => {
    const q0 = await runCli(['pub', ...conn(), '-u', 'alice', '-P', 'wonderland', '-d', '-t', 'allowed/x', '-m', 'hi']);
    expect(q0.code).toBe(0);
    const packets = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => /^mqtt-tool: (-->|<--) /.test(l)).map((l) => l.split(' ').slice(1, 3).join(' '));
    expect(packets(q0)).toEqual(['--> CONNECT', '<-- CONNACK', '--> PUBLISH', '--> PINGREQ', '<-- PINGRESP', '--> DISCONNECT']);
    expect(q0.stderr).toContain('--> PUBLISH topic=allowed/x qos=0 retain=false dup=false payload=2 bytes "hi"');
    const q2 = await runCli(['pub', ...conn(), '-u', 'alice', '-P', 'wonderland', '-d', '-t', 'allowed/x', '-m', 'hi', '-q', '2']);
    expect(q2.code).toBe(0);
    expect(packets(q2)).toEqual(['--> CONNECT', '<-- CONNACK', '--> PUBLISH', '<-- PUBREC', '--> PUBREL', '<-- PUBCOMP', '--> DISCONNECT']);
  });
});

describe('TLS against a Mosquitto TLS listener', () => {
  let broker: Mosquitto;
  let plain: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({ tls: { cert: `${TLS}valid-chain.crt`, key: `${TLS}valid.key` } });
    plain = await startMosquitto();
  });
  afterAll(async () => {
    await broker.stop();
    await plain.stop();
  });
  test('verified with --cafile', async () => {
    const r = await runCli(['pub', '-L', `mqtts://localhost:${broker.port}`, '--cafile', `${TLS}ca.crt`, '-t', 't', '-m', 'x', '-q', '1']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });
  test('an untrusted CA exits 5 with a --cafile hint', async () => {
    const r = await runCli(['pub', '-L', `mqtts://localhost:${broker.port}`, '-t', 't', '-m', 'x']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^mqtt-tool: TLS: .*(unknown CA|not trusted)/);
    expect(r.stderr).toContain('--cafile');
  });
  test('a name the certificate does not cover exits 5', async () => {
    const r = await runCli(['pub', '-L', `mqtts://127.0.0.1:${broker.port}`, '--cafile', `${TLS}ca.crt`, '--servername', 'wrong.example', '-t', 't', '-m', 'x']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("does not cover the name 'wrong.example' (it covers: localhost, 127.0.0.1");
  });
  test('--insecure connects and warns on stderr', async () => {
    const r = await runCli(['pub', '-L', `mqtts://localhost:${broker.port}`, '--insecure', '-t', 't', '-m', 'x']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: --insecure');
  });
  test('TLS spoken to a plain listener exits 5 and says so', async () => {
    const r = await runCli(['pub', '-L', `mqtts://localhost:${plain.port}`, '--cafile', `${TLS}ca.crt`, '-t', 't', '-m', 'x']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('not speaking TLS');
  });
  test('plain MQTT spoken to a TLS listener fails in bounded time with a TLS hint', async () => {
    const r = await runCli(['pub', '-L', `mqtt://localhost:${broker.port}`, '--connect-timeout', '2', '-t', 't', '-m', 'x']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/TLS|mqtts/);
  });
});

describe('the embedded broker', () => {
  test('`mqtt-tool broker` accepts mosquitto_sub and mosquitto_pub', async () => {
    const port = await freePort();
    const brokerProc = spawnCli(['broker', '-p', String(port)]);
    const done = collect(brokerProc, 20_000);
    try {
      await waitForStderr(brokerProc, `listening on mqtt://127.0.0.1:${port}`);
      // -d: mosquitto_sub prints its packets on stdout (line-buffered by stdbuf); publish once its SUBACK arrived.
      const sub = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-d', '-h', '127.0.0.1', '-p', String(port), '-t', 'e/#', '-C', '1', '-W', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const subDone = collect(sub, 15_000);
      await waitForStdout(sub, 'received SUBACK');
      execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'e/1', '-m', 'from-mosquitto', '-q', '1']);
      const got = await subDone;
      expect(got.code).toBe(0);
      expect(got.stdout.split('\n')).toContain('from-mosquitto');
    } finally {
      brokerProc.kill('SIGINT');
    }
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('embedded broker stopped');
  });
  test('--embedded speaks MQTT 5: no version switch, no notice', async () => {
    const r = await runCli(['pub', '--embedded', '-t', 'x', '-m', 'y', '-q', '1', '--content-type', 'text/plain', '-d']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('version=5');
    expect(r.stderr).not.toContain('3.1.1');
  });
  test('`mqtt-tool broker` on a port already taken exits 4 at once', async () => {
    const net = await import('node:net');
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (taken.address() as import('node:net').AddressInfo).port;
      const r = await runCli(['broker', '-p', String(port)], { timeoutMs: 10_000 });
      expect(r).toMatchObject({ code: 4, stderr: `mqtt-tool: embedded broker cannot listen on 127.0.0.1:${port}: EADDRINUSE\nhint: Another process uses that port: pick another with -p.\n` });
    } finally {
      taken.close();
    }
  });
  test('--embedded -V 311 still works: the embedded broker speaks both', async () => {
    const r = await runCli(['pub', '--embedded', '-V', '311', '-t', 'x', '-m', 'y', '-q', '2']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });
  test.each([['--session-expiry', '60'], ['--will-delay', '5']])('--embedded takes the MQTT 5 flag %s and sends it', async (flag, value) => {
    const extra = flag === '--will-delay' ? ['--will-topic', 'w'] : [];
    const r = await runCli(['sub', '--embedded', '-t', 'x', flag, value, ...extra, '-E', ...(flag === '--session-expiry' ? ['-i', 'keep'] : []), '-d']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(flag === '--session-expiry' ? 'sessionExpiry=60' : 'willDelay=5');
  });
  test('rr round-trips on the embedded broker (MQTT 5 request/response with nothing installed)', async () => {
    // rr publishes its request; with no responder the -W bound ends it: exit 6, after a clean MQTT 5 connection.
    const r = await runCli(['rr', '--embedded', '-t', 'rpc/x', '-e', 'rpc/x/reply', '-m', 'ping', '-W', '0.5']);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe("mqtt-tool: -W 0.5: no response on 'rpc/x/reply' in time\n");
  });
});

test('--help into a closed pipe: no EPIPE trace, exit 0', async () => {
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('../helpers/cli.js');
  const child = spawn('bash', ['-c', `node ${BIN} pub --help | head -n 1; echo "status=\${PIPESTATUS[0]}" >&2`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(child);
  expect(r.stdout).toBe('Usage: mqtt-tool pub|publish [options]\n');
  expect(r.stderr).toBe('status=0\n');
});

describe('help and subcommands', () => {
  test('help CMD is CMD --help; help with an unknown name suggests the command, exit 2', async () => {
    const known = await runCli(['help', 'pub']);
    expect(known.code).toBe(0);
    expect(known.stdout).toMatch(/^Usage: mqtt-tool pub/);
    expect(await runCli(['help', 'sbu'])).toMatchObject({ code: 2, stderr: "mqtt-tool: unknown command 'sbu' (did you mean sub?)\nhint: run `mqtt-tool --help` for the commands\n" });
  });
  test('a lone -h shows the help', async () => {
    const r = await runCli(['-h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mqtt-tool \[options\] \[command\]/);
  });
  test('profile without a subcommand, or with an unknown one, points at profile --help (exit 2)', async () => {
    expect(await runCli(['profile'])).toMatchObject({ code: 2, stderr: 'mqtt-tool: profile needs a subcommand: list, show or save\nhint: run `mqtt-tool profile --help`\n' });
    expect(await runCli(['profile', 'lst'])).toMatchObject({ code: 2, stderr: "mqtt-tool: unknown subcommand 'profile lst' (did you mean list?)\nhint: run `mqtt-tool profile --help`\n" });
  });
});
