import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PROFILE_FLAGS } from '../../src/cli/flag-groups.js';
import { PROFILE_KEYS, parseProfiles } from '../../src/config/profiles.js';
import { configWithProfile, profileEntry } from '../../src/config/save-profile.js';

const choices = { savePassword: false, passwordEnv: undefined, absolute: (p: string) => `/abs/${p}` };

describe('profileEntry', () => {
  test('keys in the order of the config keys, files made absolute, the version by its name', () => {
    const { entry, passwordLeftOut } = profileEntry({ username: 'u', host: 'h', cafile: 'ca.pem', protocolVersion: 4, alpn: ['mqtt'] }, choices);
    expect(Object.entries(entry)).toEqual([['host', 'h'], ['username', 'u'], ['protocolVersion', 311], ['cafile', '/abs/ca.pem'], ['alpn', ['mqtt']]]);
    expect(passwordLeftOut).toBe(false);
  });
  test('a password is left out unless asked; a variable is saved instead of it', () => {
    expect(profileEntry({ host: 'h', password: 'pw' }, choices)).toEqual({ entry: { host: 'h' }, passwordLeftOut: true });
    expect(profileEntry({ host: 'h', password: 'pw' }, { ...choices, savePassword: true }).entry).toEqual({ host: 'h', password: 'pw' });
    expect(profileEntry({ host: 'h' }, { ...choices, passwordEnv: 'PW' }).entry).toEqual({ host: 'h', passwordEnv: 'PW' });
  });
  test.each([
    [{}, choices, 'nothing to save'],
    [{ host: 'h' }, { ...choices, savePassword: true }, '--save-password without a password'],
    [{ host: 'h', password: 'p' }, { ...choices, passwordEnv: 'PW' }, '--password-env with a password given'],
  ])('refused: %j', (given, c, message) => expect(() => profileEntry(given, c)).toThrow(message));
});

describe('configWithProfile', () => {
  test('a new file holds only the profile', () => {
    expect(configWithProfile(undefined, 'c.yaml', 'lab', { host: 'h', port: 1884 }, false)).toBe('profiles:\n  lab:\n    host: h\n    port: 1884\n');
  });
  test('a broken file is never overwritten; an existing profile only with force', () => {
    expect(() => configWithProfile('profiles:\n  a:\n    hots: x\n', 'c.yaml', 'b', { host: 'h' }, true)).toThrow("unknown key");
    expect(() => configWithProfile('profiles:\n  a:\n    host: x\n', 'c.yaml', 'a', { host: 'h' }, false)).toThrow("profile 'a' already exists in c.yaml");
    expect(configWithProfile('profiles:\n  a:\n    host: x\n', 'c.yaml', 'a', { host: 'h' }, true)).toBe('profiles:\n  a:\n    host: h\n');
  });
  test('an empty file or one without profiles gets a profiles section', () => {
    expect(configWithProfile('', 'c.yaml', 'a', { port: 1 }, false)).toBe('profiles:\n  a:\n    port: 1\n');
    expect(configWithProfile('# nothing yet\n', 'c.yaml', 'a', { port: 1 }, false)).toContain('profiles:\n  a:\n    port: 1\n');
    expect(JSON.parse(configWithProfile('{}', 'c.json', 'a', { port: 1 }, false))).toEqual({ profiles: { a: { port: 1 } } });
  });
  test('property: whatever is saved reads back as the same settings, beside the profiles already there', () => {
    const host = fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/);
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/), host, { maxKeys: 4 }), fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), host, fc.integer({ min: 1, max: 65535 }), fc.constantFrom('c.yaml', 'c.json'), (others, name, h, port, file) => {
        const start = configWithProfile(undefined, file, 'seed', { host: 'seed' }, false);
        const withOthers = Object.entries(others).reduce((text, [n, v]) => configWithProfile(text, file, n, { host: v }, true), start);
        const out = parseProfiles(configWithProfile(withOthers, file, name, { host: h, port }, true), file);
        expect(out.get(name)?.flags).toEqual({ host: h, port });
        for (const [n, v] of Object.entries(others)) if (n !== name) expect(out.get(n)?.flags).toEqual({ host: v });
      }),
    );
  });
});

test("profile save offers a flag for every config key, and nothing a config cannot hold", () => {
  const camel = (flag: string) => flag.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  const own = new Set(['passwordPrompt', 'savePassword', 'force']);
  expect([...PROFILE_FLAGS].map(camel).filter((k) => !own.has(k)).sort()).toEqual([...PROFILE_KEYS].sort());
});
