/**
 * Every example in the README and docs/ that shows output (a `$ mqtt-tool …` line in a code block
 * and the lines under it) is run here against a real broker set up as the example needs, and
 * each line it shows must be a line the tool prints now, in the same order. Figures that change
 * from run to run (times, ports, counts, client identifiers, dates) are compared by shape: every
 * number, thousands separators and decimals included, stands for any number. An example without an entry in SETUPS fails, so a new
 * one cannot go unchecked.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, collect, runCli, type CliResult } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/temp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TLS = join(ROOT, 'test/fixtures/tls/');

interface Example {
  readonly file: string;
  readonly command: string;
  readonly shown: readonly string[];
  readonly exitCode: number | undefined;
}

/** The examples of one markdown file: in a fenced block, a `$ mqtt-tool` line and the lines up to the next `$` or the block's end. */
function examplesOf(file: string): Example[] {
  const out: Example[] = [];
  let inBlock = false;
  let current: { command: string; shown: string[] } | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    const exit = current.shown.map((l) => /^\(exit (\d+)\)$/.exec(l)?.[1]).find((c) => c !== undefined);
    out.push({ file, command: current.command, shown: current.shown.filter((l) => l.trim() !== '' && !/^\(exit \d+\)$/.test(l)), exitCode: exit === undefined ? undefined : Number(exit) });
    current = undefined;
  };
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    if (line.startsWith('```')) {
      flush();
      inBlock = !inBlock;
    } else if (inBlock && line.startsWith('$ ')) {
      flush();
      if (line.startsWith('$ mqtt-tool ')) current = { command: line.slice(2).replace(/\s{2,}#.*$/, ''), shown: [] };
    } else if (current !== undefined) current.shown.push(line);
  }
  return out;
}

const FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'reference.md').map((f) => `docs/${f}`)];
const EXAMPLES = FILES.flatMap(examplesOf).filter((e) => e.shown.length > 0);

/** The same words whatever the run's figures: digits, client identifiers' hex and runs of spaces. */
const shape = (line: string): string =>
  line
    .replace(/mqtt-tool-[0-9a-f]{12}/g, 'mqtt-tool-ID')
    .replace(/diagnose\/[0-9a-f]{8}/g, 'diagnose/ID')
    .replace(/[0-9A-F]{2}(:[0-9A-F]{2}){31}/g, 'FINGERPRINT')
    .replace(/\b[0-9A-F]{32,40}\b/g, 'SERIAL')
    .replace(/\d+(?:,\d{3})*(?:\.\d+)?/g, '0')
    .replace(/─+/g, '─')
    .replace(/\s+/g, ' ')
    .trim();

/** Lines a terminal's width wrapped (a long line, then one indented by two) joined again: where they break depends on the figures. */
function unwrap(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const previous = out.at(-1);
    if (previous !== undefined && previous.length > 60 && /^ {2}\S/.test(line)) out[out.length - 1] = `${previous} ${line.trim()}`;
    else out.push(line);
  }
  return out;
}

interface Setup {
  readonly args: (ctx: Brokers) => Promise<string[]> | string[];
  readonly env?: (ctx: Brokers) => Record<string, string>;
  /** Text of the run that the example shows otherwise (a temporary folder as a home folder). */
  readonly rewrite?: (ctx: Brokers, text: string) => string;
  /** Lines the example shows that depend on the run's figures, so are not compared. */
  readonly varies?: (line: string) => boolean;
  /** Run in a pseudo-terminal this many columns wide, as the example was (stdout and stderr together). */
  readonly terminal?: number;
}

interface Brokers {
  readonly passwords: Mosquitto;
  readonly denyingTestTopic: Mosquitto;
  readonly tlsValid: Mosquitto;
  readonly tlsWrongHost: Mosquitto;
  readonly plain: Mosquitto;
  readonly limited: Mosquitto;
  readonly home: string;
}

const SETUPS: Record<string, Setup> = {
  'README.md: mqtt-tool diagnose -h 127.0.0.1 -p 18839': { args: async () => ['diagnose', '-h', '127.0.0.1', '-p', String(await freePort())] },
  'README.md: mqtt-tool bench -h 127.0.0.1 -p 1883': {
    // The example's run took 55 s; the same command with trials of 300 messages shows the same report, but for
    // the line that says how long a trial is.
    args: (b) => ['bench', '-h', '127.0.0.1', '-p', String(b.plain.port), '--messages', '300', '--warmup', '0.1'],
    terminal: 80,
    varies: (l) => /^At .* against QoS 0:|^1 publisher, 1 subscriber, 64-byte payloads, 6 trials of /.test(l),
  },
  'docs/connecting.md: mqtt-tool pub -h broker -u alice -P wrong -t t -m x': { args: (b) => ['pub', '-h', '127.0.0.1', '-p', String(b.passwords.port), '-u', 'alice', '-P', 'wrong', '-t', 't', '-m', 'x'] },
  'docs/connecting.md: mqtt-tool pub -p 1884 -t t -m x': { args: async () => ['pub', '-p', String(await freePort()), '-t', 't', '-m', 'x'] },
  'docs/connecting.md: mqtt-tool profile save lab -h 10.0.0.5 -p 1884 -u alice --password-env LAB_PASSWORD': {
    args: () => ['profile', 'save', 'lab', '-h', '10.0.0.5', '-p', '1884', '-u', 'alice', '--password-env', 'LAB_PASSWORD'],
    env: (b) => ({ XDG_CONFIG_HOME: join(b.home, '.config') }),
    rewrite: (b, text) => text.split(b.home).join('/home/alice'),
  },
  'docs/diagnose.md: mqtt-tool diagnose -h 127.0.0.1 -p 1883 -u bob -P wrong': { args: (b) => ['diagnose', '-h', '127.0.0.1', '-p', String(b.passwords.port), '-u', 'bob', '-P', 'wrong'] },
  'docs/diagnose.md: mqtt-tool diagnose -h 127.0.0.1 -p 1883 -u bob -P hunter2': {
    args: (b) => ['diagnose', '-h', '127.0.0.1', '-p', String(b.denyingTestTopic.port), '-u', 'bob', '-P', 'hunter2'],
  },
  'docs/diagnose.md: mqtt-tool diagnose -h 127.0.0.1 -p 1883 --limits': {
    args: (b) => ['diagnose', '-h', '127.0.0.1', '-p', String(b.limited.port), '--limits'],
    terminal: 80,
    // Under 3.1.1 Mosquitto drops an oversize message, and at times ends the connection after it.
    varies: (l) => l.startsWith('- payload size (MQTT 3.1.1)'),
  },
  'docs/diagnose.md: mqtt-tool diagnose -h 127.0.0.1 -p 18843': { args: (b) => ['diagnose', '-h', '127.0.0.1', '-p', String(b.tlsValid.port)] },
  'docs/diagnose.md: mqtt-tool tls-check -L mqtts://localhost:8883 --cafile ca.pem': {
    args: (b) => ['tls-check', '-L', `mqtts://localhost:${b.tlsValid.port}`, '--cafile', `${TLS}ca.crt`],
  },
  'docs/diagnose.md: mqtt-tool tls-check -L mqtts://localhost:8883 --cafile ca.pem --warn-days 40000': {
    args: (b) => ['tls-check', '-L', `mqtts://localhost:${b.tlsValid.port}`, '--cafile', `${TLS}ca.crt`, '--warn-days', '40000'],
  },
  'docs/diagnose.md: mqtt-tool tls-check -L mqtts://localhost:8884 --cafile ca.pem': {
    args: (b) => ['tls-check', '-L', `mqtts://localhost:${b.tlsWrongHost.port}`, '--cafile', `${TLS}ca.crt`],
  },
};

/** A run in a pseudo-terminal (script) of the given width: what a person sees. */
async function onTerminal(args: string[], columns: number): Promise<CliResult> {
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', `stty cols ${columns} rows 50; node ${BIN} ${quoted}`, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(child, 90_000);
  // What the screen keeps of each line: the text after its last carriage return (a progress meter redraws in place).
  const screen = r.stdout
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, '').split('\r').at(-1) ?? '')
    .join('\n');
  return { ...r, stdout: screen };
}

let brokers: Brokers;
beforeAll(async () => {
  const tls = (leaf: string) => ({ cert: `${TLS}${leaf}-chain.crt`, key: `${TLS}${leaf}.key`, ca: `${TLS}ca.crt` });
  const [passwords, denyingTestTopic, tlsValid, tlsWrongHost, plain, limited] = await Promise.all([
    startMosquitto({ users: { alice: 'right', bob: 'hunter2' } }),
    startMosquitto({ users: { bob: 'hunter2' }, acl: 'user bob\ntopic readwrite allowed/#\n' }),
    startMosquitto({ tls: tls('valid') }),
    startMosquitto({ tls: tls('wrong-host') }),
    startMosquitto({ direct: true }),
    startMosquitto({ extra: ['message_size_limit 1000', 'max_qos 1', 'retain_available false', 'max_keepalive 120', 'max_topic_alias 5'] }),
  ]);
  brokers = { passwords, denyingTestTopic, tlsValid, tlsWrongHost, plain, limited, home: tempDir('mqtt-tool-home-') };
}, 60_000);
afterAll(async () => {
  await Promise.all([brokers.passwords, brokers.denyingTestTopic, brokers.tlsValid, brokers.tlsWrongHost, brokers.plain, brokers.limited].map((b) => b.stop()));
});

test('the docs show examples with output, and each has a setup here', () => {
  expect(EXAMPLES.length).toBeGreaterThanOrEqual(10);
  expect(EXAMPLES.map((e) => `${e.file}: ${e.command}`).filter((k) => SETUPS[k] === undefined)).toEqual([]);
});

describe.each(EXAMPLES.map((e) => [`${e.file}: ${e.command}`, e] as const))('%s', (key, example) => {
  test('shows what the tool prints now', async () => {
    const setup = SETUPS[key] as Setup;
    const args = await setup.args(brokers);
    const r = setup.terminal === undefined ? await runCli(args, { env: setup.env?.(brokers) ?? {}, timeoutMs: 90_000 }) : await onTerminal(args, setup.terminal);
    if (example.exitCode !== undefined) expect(r.code, r.stderr).toBe(example.exitCode);
    const printed = unwrap((setup.rewrite?.(brokers, r.stdout + r.stderr) ?? r.stdout + r.stderr).split('\n')).map(shape);
    let at = 0;
    for (const line of unwrap(example.shown)) {
      if (line.includes('…') || setup.varies?.(line) === true) continue;
      const found = printed.indexOf(shape(line), at);
      expect(found, `${example.file} shows a line the tool no longer prints (or not in this order):\n${line}\nthe tool printed:\n${r.stdout}${r.stderr}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  }, 120_000);
});
