/** Named profiles from the XDG config file, applied to real connections. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp.js';

let broker: Mosquitto;
const xdg = tempDir('mqtt-tool-xdg-');
const file = join(xdg, 'mqtt-tool', 'config.yaml');
beforeAll(async () => {
  broker = await startMosquitto({ users: { app: 'from-env' } });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `profiles:\n  local:\n    host: 127.0.0.1\n    port: ${broker.port}\n    username: app\n    passwordEnv: APP_PW\n  wrongport:\n    host: 127.0.0.1\n    port: 1\n  v311:\n    host: 127.0.0.1\n    port: ${broker.port}\n    protocolVersion: 311\n`,
    { mode: 0o600 },
  );
});
afterAll(() => broker.stop());
const env = { XDG_CONFIG_HOME: xdg, APP_PW: 'from-env' };

test('--profile connects with the profile settings and its password from the environment', async () => {
  const r = await runCli(['pub', '--profile', 'local', '-t', 'p', '-m', 'x', '-q', '1'], { env });
  expect(r).toMatchObject({ code: 0, stderr: '' });
});

test('MQTT_TOOL_PROFILE works too; flags on the command line override the profile', async () => {
  const r = await runCli(['pub', '-p', String(broker.port), '-t', 'p', '-m', 'x'], { env: { ...env, MQTT_TOOL_PROFILE: 'wrongport' } });
  expect(r.code).toBe(3);
  expect(r.stderr).toContain('Not authorized');
});

test('an unknown profile is a usage error naming the file and the known profiles', async () => {
  const r = await runCli(['pub', '--profile', 'nope', '-t', 'p', '-m', 'x'], { env });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`unknown profile 'nope' in ${file}`);
  expect(r.stderr).toContain('Known profiles: local, wrongport, v311');
});

test('a malformed config file is a usage error naming file, line and key', async () => {
  const bad = tempDir('mqtt-tool-xdg-');
  mkdirSync(join(bad, 'mqtt-tool'));
  writeFileSync(join(bad, 'mqtt-tool', 'config.yaml'), 'profiles:\n  x:\n    hots: a\n');
  const r = await runCli(['pub', '--profile', 'x', '-t', 'p', '-m', 'x'], { env: { XDG_CONFIG_HOME: bad } });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`${join(bad, 'mqtt-tool', 'config.yaml')}:3: profile 'x', key 'hots': unknown key`);
});

test('a literal password in a file readable by others is ignored with a warning', async () => {
  const open = tempDir('mqtt-tool-xdg-');
  mkdirSync(join(open, 'mqtt-tool'));
  writeFileSync(join(open, 'mqtt-tool', 'config.yaml'), `profiles:\n  x:\n    host: 127.0.0.1\n    port: ${broker.port}\n    username: app\n    password: from-env\n`, { mode: 0o644 });
  const r = await runCli(['pub', '--profile', 'x', '-t', 'p', '-m', 'x'], { env: { XDG_CONFIG_HOME: open } });
  expect(r.stderr.split('is readable by other users: the password is ignored')).toHaveLength(2);
  expect(r.stderr).toContain("User 'app' was sent without a password");
  expect(r.code).toBe(3);
  const show = await runCli(['profile', 'show', 'x'], { env: { XDG_CONFIG_HOME: open } });
  expect(JSON.parse(show.stdout).settings.password).toMatch(/^\(ignored: the file is readable by other users/);
  expect(show.stdout).not.toContain('from-env');
});

test('profile list and show (secrets masked)', async () => {
  const list = await runCli(['profile', 'list'], { env });
  expect(list.stdout).toContain(`local            127.0.0.1:${broker.port} (user app)`);
  const names = await runCli(['profile', 'list', '--names'], { env });
  expect(names.stdout).toBe('local\nwrongport\nv311\n');
  const show = await runCli(['profile', 'show', 'local'], { env });
  expect(JSON.parse(show.stdout)).toMatchObject({ profile: 'local', settings: { username: 'app', passwordEnv: 'APP_PW' } });
  expect(show.stdout).not.toContain('from-env');
});

test('bash completes profile names', () => {
  const dir = fileURLToPath(new URL('../../completions/', import.meta.url));
  const script = `mqtt-tool() { node ${BIN} "$@"; }; source ${dir}mqtt-tool.bash; COMP_WORDS=(mqtt-tool sub --profile l); COMP_CWORD=3; _mqtt_tool; echo "\${COMPREPLY[@]}"`;
  expect(execFileSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: xdg } }).trim()).toBe('local');
});

test('rr checks the MQTT version the profile sets, not only -V', async () => {
  const r = await runCli(['rr', '--profile', 'v311', '-t', 'a', '-e', 'b', '-m', 'x'], { env });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('mqtt-tool: rr needs MQTT 5 (response topic and correlation data); the profile sets an older version\nhint: Drop protocolVersion from the profile, or pass -V 5.\n');
});

describe('profile save', () => {
  const fresh = (): { env: Record<string, string>; file: string } => {
    const home = tempDir('mqtt-tool-xdg-');
    return { env: { XDG_CONFIG_HOME: home, APP_PW: 'from-env' }, file: join(home, 'mqtt-tool', 'config.yaml') };
  };
  test('writes the flags given into a private file, leaves the password out unless asked, and the profile connects', async () => {
    const { env: e, file: f } = fresh();
    const saved = await runCli(['profile', 'save', 'mine', '-h', '127.0.0.1', '-p', String(broker.port), '-u', 'app', '-P', 'from-env'], { env: e });
    expect(saved.code).toBe(0);
    expect(saved.stderr).toContain(`saved profile 'mine' (host, port, username) to ${f}; use it with --profile mine`);
    expect(saved.stderr).toContain('the password was not saved');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readFileSync(f, 'utf8')).not.toContain('from-env');
    expect((await runCli(['pub', '--profile', 'mine', '-t', 'p', '-m', 'x'], { env: e })).code).toBe(3);
    expect(await runCli(['pub', '--profile', 'mine', '-P', 'from-env', '-t', 'p', '-m', 'x', '-q', '1'], { env: e })).toMatchObject({ code: 0, stderr: '' });
  });
  test('--save-password writes it (masked by profile show); --password-env saves the variable instead', async () => {
    const { env: e } = fresh();
    expect((await runCli(['profile', 'save', 'lit', '-h', '127.0.0.1', '-p', String(broker.port), '-u', 'app', '-P', 'from-env', '--save-password'], { env: e })).code).toBe(0);
    expect(await runCli(['pub', '--profile', 'lit', '-t', 'p', '-m', 'x', '-q', '1'], { env: e })).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse((await runCli(['profile', 'show', 'lit'], { env: e })).stdout).settings.password).toBe('****');
    expect((await runCli(['profile', 'save', 'ref', '-h', '127.0.0.1', '-p', String(broker.port), '-u', 'app', '--password-env', 'APP_PW'], { env: e })).code).toBe(0);
    expect(await runCli(['pub', '--profile', 'ref', '-t', 'p', '-m', 'x', '-q', '1'], { env: e })).toMatchObject({ code: 0, stderr: '' });
  });
  test('an existing profile is kept without --force; the file keeps its comments and other profiles, and becomes private', async () => {
    const { env: e, file: f } = fresh();
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, '# my brokers\nprofiles:\n  a:\n    host: old.example # the old one\n  b:\n    port: 1884\n', { mode: 0o644 });
    const refused = await runCli(['profile', 'save', 'a', '-h', 'new.example'], { env: e });
    expect(refused).toMatchObject({ code: 2, stderr: `mqtt-tool: profile 'a' already exists in ${f}\nhint: Pass --force to replace it, or choose another name.\n` });
    expect(readFileSync(f, 'utf8')).toContain('old.example');
    const forced = await runCli(['profile', 'save', 'a', '-h', 'new.example', '--force'], { env: e });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('is now private to you (mode 600)');
    expect(readFileSync(f, 'utf8')).toBe('# my brokers\nprofiles:\n  a:\n    host: new.example\n  b:\n    port: 1884\n');
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });
  test('a JSON config stays JSON; relative files become absolute', async () => {
    const home = tempDir('mqtt-tool-xdg-');
    const f = join(home, 'mqtt-tool', 'config.json');
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, '{"profiles": {}}\n');
    const r = await runCli(['profile', 'save', 'tls', '-h', 'localhost', '--cafile', 'test/fixtures/tls/ca.crt'], { env: { XDG_CONFIG_HOME: home } });
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(f, 'utf8'))).toEqual({ profiles: { tls: { host: 'localhost', cafile: resolve('test/fixtures/tls/ca.crt') } } });
  });
  test.each([
    [['x', '-h', 'a', '--embedded'], "--embedded cannot be saved in a profile"],
    [['x', '--cafile', '/nonexistent/ca.pem'], "--cafile '/nonexistent/ca.pem': no such file"],
    [['x', '--save-password', '-h', 'a'], '--save-password without a password to save'],
    [['x'], 'nothing to save'],
    [['bad name', '-h', 'a'], "invalid profile name 'bad name'"],
  ])('refused, nothing written: %j', async (args, message) => {
    const { env: e, file: f } = fresh();
    const r = await runCli(['profile', 'save', ...args], { env: e });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(f)).toBe(false);
  });
});
