import { describe, expect, test } from 'vitest';
import { applyProfile, describeProfile, parseProfiles } from '../../src/config/profiles.js';

const YAML = `profiles:
  prod:
    url: mqtts://broker.example:8883
    username: app
    passwordEnv: PROD_PW
    cafile: /etc/ca.pem
    protocolVersion: 311
    keepalive: 30
    alpn: [mqtt]
  lab:
    host: 10.0.0.5
    port: 1884
    password: literal
`;

describe('parseProfiles', () => {
  test('reads profiles with typed values', () => {
    const p = parseProfiles(YAML, 'config.yaml');
    expect([...p.keys()]).toEqual(['prod', 'lab']);
    expect(p.get('prod')).toMatchObject({
      flags: { url: 'mqtts://broker.example:8883', username: 'app', cafile: '/etc/ca.pem', protocolVersion: 4, keepalive: 30, alpn: ['mqtt'] },
      passwordEnv: 'PROD_PW',
      literalPassword: 'none',
    });
    expect(p.get('lab')).toMatchObject({ flags: { host: '10.0.0.5', port: 1884, password: 'literal' }, literalPassword: 'kept' });
  });
  test('JSON works too', () => {
    expect(parseProfiles('{"profiles": {"a": {"port": 1883}}}', 'c.json').get('a')?.flags.port).toBe(1883);
  });
  test('an empty file has no profiles', () => {
    expect(parseProfiles('', 'c.yaml').size).toBe(0);
  });
  test.each([
    ['profiles:\n  a:\n    prot: 1\n', "c.yaml:3: profile 'a', key 'prot': unknown key (did you mean protocolVersion?)"],
    ['profiles:\n  a:\n    hostname: h\n', "c.yaml:3: profile 'a', key 'hostname': unknown key (did you mean host?)"],
    ['profiles:\n  a:\n    port: 99999\n', "c.yaml:3: profile 'a', key 'port'"],
    ['profiles:\n  a:\n    insecure: yes please\n', 'expected true or false'],
    ['profiles:\n  a: [1\n', 'c.yaml:3: malformed config'],
    ['profile:\n  a: {}\n', "c.yaml:1: unknown key 'profile'"],
    ['profiles:\n  a: 5\n', "profile 'a' must map keys to values"],
    ['profiles:\n  a:\n    passwordEnv: "not a var"\n', 'expected an environment variable name'],
  ])('%j -> %s', (text, message) => {
    expect(() => parseProfiles(text, 'c.yaml')).toThrow(message);
  });
});

describe('applyProfile', () => {
  const prod = parseProfiles(YAML, 'c.yaml').get('prod');
  if (prod === undefined) throw new Error('fixture');
  test('flags on the command line override the profile', () => {
    const f = applyProfile({ username: 'me', keepalive: undefined }, prod, { PROD_PW: 'secret' });
    expect(f).toMatchObject({ username: 'me', keepalive: 30, password: 'secret', url: 'mqtts://broker.example:8883' });
  });
  test('a command-line URL replaces the profile host and port', () => {
    const lab = parseProfiles(YAML, 'c.yaml').get('lab');
    if (lab === undefined) throw new Error('fixture');
    const f = applyProfile({ url: 'mqtt://other:1' }, lab, {});
    expect(f.host).toBeUndefined();
    expect(f.port).toBeUndefined();
  });
  test('passwordEnv must be set unless a password is given on the command line', () => {
    expect(() => applyProfile({}, prod, {})).toThrow('$PROD_PW, which is not set');
    expect(applyProfile({ password: 'flag' }, prod, {}).password).toBe('flag');
  });
  test('describeProfile masks a literal password', () => {
    const lab = parseProfiles(YAML, 'c.yaml').get('lab');
    if (lab === undefined) throw new Error('fixture');
    expect(describeProfile(lab)['password']).toBe('****');
  });
});
