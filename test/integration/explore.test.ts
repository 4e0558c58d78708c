/**
 * explore as a person sees it: in a pseudo-terminal read by a headless terminal emulator, at
 * 80x24 and 120x40, against a real Mosquitto (and the embedded broker).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';
import { runInPty, type PtyScreen } from '../helpers/pty-screen.js';

let broker: Mosquitto;
const url = (): string => `mqtt://127.0.0.1:${broker.port}`;
const DOWN = '\x1b[B';
const RIGHT = '\x1b[C';

beforeAll(async () => {
  broker = await startMosquitto();
  const c = await testClient(url());
  await c.publishAsync('plant/line1/temp', '21.5', { qos: 1, retain: true });
  await c.publishAsync('plant/line1/state', JSON.stringify({ running: true, speed: 12 }), { qos: 1, retain: true });
  await c.publishAsync('plant/line2/temp', '19.0', { qos: 1, retain: true });
  await c.publishAsync('office/lights', 'on', { qos: 1, retain: true });
  await c.endAsync();
});
afterAll(() => broker.stop());

async function open(columns: number, rows: number, extra: string[] = []): Promise<PtyScreen> {
  const s = runInPty(['explore', '-L', url(), ...extra], columns, rows, { NO_COLOR: '1' });
  await s.waitFor('4 topics');
  return s;
}

async function quit(s: PtyScreen): Promise<number> {
  s.press('q');
  const { exitCode } = await s.exited;
  return exitCode;
}

describe.each([
  [80, 24],
  [120, 40],
])('at %ix%i', (columns, rows) => {
  test('the tree shows the topics published, with counts; opening a node shows its children and the decoded value', async () => {
    const s = await open(columns, rows);
    expect(s.alternate()).toBe(true);
    await s.waitFor(/▸ office/);
    await s.waitFor(/▸ plant \(3 topics, 3 msgs/);
    for (const l of s.lines()) expect(l.length).toBeLessThanOrEqual(columns);
    // office is first (sorted); down to plant, open it, open line1, select state.
    s.press(DOWN + RIGHT);
    await s.waitFor(/▸ line1 \(2 topics/);
    s.press(DOWN + RIGHT + DOWN);
    await s.waitFor('"speed": 12');
    await s.waitFor('plant/line1/state');
    await s.waitFor(/QoS 0 · retained · 27 bytes/);
    expect(await quit(s)).toBe(0);
    expect(s.alternate()).toBe(false);
  });
});

test('/ filters by substring or wildcard filter; Esc drops the filter', async () => {
  const s = await open(80, 24);
  s.press('/temp\r');
  await s.waitFor(/filter: temp/);
  await s.waitFor((t) => t.includes('temp ® = 21.5') && t.includes('temp ® = 19.0') && !t.includes('lights'));
  s.press('/');
  s.press('\x7f'.repeat(4));
  s.press('+/+/state\r');
  await s.waitFor((t) => t.includes('state ® = {') && !t.includes('temp ®'));
  expect(await quit(s)).toBe(0);
});

test('d deletes the retained message of the selected topic after a confirmation, checked with a fresh subscriber', async () => {
  const c = await testClient(url());
  await c.publishAsync('trash/one', 'x', { qos: 1, retain: true });
  await c.endAsync();
  const s = runInPty(['explore', '-L', url(), '-t', 'trash/#'], 80, 24, { NO_COLOR: '1' });
  await s.waitFor('1 topics');
  s.press(RIGHT + DOWN);
  await s.waitFor(/one ® = x/);
  s.press('d');
  await s.waitFor("delete the retained message of 'trash/one'? (y/n)");
  s.press('y');
  await s.waitFor('deleted 1 retained message');
  expect(await quit(s)).toBe(0);
  const fresh = await testClient(url());
  const got = await collectMessages(fresh, 'trash/#', 1);
  await fresh.publishAsync('trash/marker', 'end', { qos: 1 });
  await got.waitFor(1);
  expect(got.messages.map((m) => m.topic)).toEqual(['trash/marker']);
  await fresh.endAsync();
});

test('p publishes to the selected topic; live messages update the value and the history', async () => {
  const s = await open(80, 24);
  s.press(DOWN + RIGHT + DOWN + RIGHT + DOWN + DOWN);
  await s.waitFor('plant/line1/temp');
  s.press('p');
  await s.waitFor("publish to 'plant/line1/temp' at QoS 0");
  s.press('\t');
  await s.waitFor('at QoS 1');
  s.press('22.5\r');
  await s.waitFor("published to 'plant/line1/temp' (QoS 1)");
  await s.waitFor(/history \(2, newest first\)/);
  await s.waitFor(/value: [▁▂▃▄▅▆▇█]{2}/);
  expect(await quit(s)).toBe(0);
});

test('resize re-lays out the screen; c shows the command line; ? shows the help', async () => {
  const s = await open(120, 40);
  s.resize(80, 24);
  await s.waitFor((t) => t.split('\n').length === 24 && t.includes('? help'));
  for (const l of s.lines()) expect(l.length).toBeLessThanOrEqual(80);
  s.press('c');
  await s.waitFor(`copied: mqtt-tool sub -L mqtt://127.0.0.1:${broker.port} -t 'office/#' -v`);
  s.press(RIGHT + DOWN + 'c');
  await s.waitFor(`copied: mqtt-tool pub -L mqtt://127.0.0.1:${broker.port} -t office/lights -m on -r`);
  expect(s.raw()).toContain('\x1b]52;c;');
  s.press('?');
  await s.waitFor('messages below it');
  expect(await quit(s)).toBe(0);
});

test('Ctrl-C and SIGTERM leave the terminal as they found it: normal screen, cursor shown', async () => {
  const a = await open(80, 24);
  a.press('\x03');
  expect((await a.exited).exitCode).toBe(0);
  expect(a.alternate()).toBe(false);
  expect(a.raw().endsWith('\x1b[?1049l')).toBe(true);
  const b = await open(80, 24);
  b.kill('SIGTERM');
  await b.exited;
  expect(b.alternate()).toBe(false);
  expect(b.raw()).toContain('\x1b[?25h');
});

test('a lost connection ends it with the terminal restored and the reason named', async () => {
  const other = await startMosquitto();
  const s = runInPty(['explore', '-L', `mqtt://127.0.0.1:${other.port}`, '--no-reconnect'], 80, 24, { NO_COLOR: '1' });
  await s.waitFor('connected');
  await other.stop();
  const { exitCode } = await s.exited;
  expect(exitCode).toBe(4);
  expect(s.alternate()).toBe(false);
  expect(s.text()).toMatch(/mqtt-tool: .*(lost|closed)/);
});

test('a restarted broker: the status line says so, explore reconnects and subscribes again', async () => {
  const b = await startMosquitto();
  const s = runInPty(['explore', '-L', b.url, '--reconnect-period', '0.2'], 80, 24, { NO_COLOR: '1' });
  await s.waitFor('· connected ·');
  const restarting = b.restart();
  await s.waitFor((t) => !t.split('\n')[0]!.includes('· connected ·'));
  await restarting;
  await s.waitFor(/connected/);
  const c = await testClient(b.url);
  await c.publishAsync('after/restart', 'x', { qos: 1 });
  await c.endAsync();
  await s.waitFor('▸ after (1 topics');
  expect(await quit(s)).toBe(0);
  await b.stop();
});

test('the embedded broker: explore --embedded shows what is published to it', async () => {
  const s = runInPty(['explore', '--embedded'], 80, 24, { NO_COLOR: '1' });
  await s.waitFor('connected');
  s.press('?');
  await s.waitFor('keys');
  expect(await quit(s)).toBe(0);
});

test('refuses without a terminal, pointing at sub --watch and -F jsonl (exit 2)', async () => {
  const r = await runCli(['explore', '-L', url()]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('mqtt-tool: explore draws on a terminal: stdout is not one');
  expect(r.stderr).toContain('sub -t FILTER -F jsonl');
});
