/** Named profiles from the XDG config file, applied to real connections. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
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
