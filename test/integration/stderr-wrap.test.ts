/**
 * The one rule for words on stderr: on a terminal every error, hint, warning and notice is wrapped
 * between words at the terminal's width, a word (URL, path) never split; on a pipe nothing is
 * wrapped. Checked in a pseudo-terminal (script) at 60, 80 and 120 columns against the same
 * messages read from a pipe.
 */
import { spawn } from 'node:child_process';
import stringWidth from 'string-width';
import { describe, expect, test } from 'vitest';
import { BIN, collect, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const strip = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

async function onTerminal(args: string[], columns: number): Promise<string> {
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', `node ${BIN} ${quoted}`, '/dev/null'], { env: { ...process.env, COLUMNS: String(columns), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return strip((await collect(child, 30_000)).stdout);
}

/** The stderr lines of a pipe run: each message whole. */
const messages = (stderr: string): string[] => stderr.split('\n').filter((l) => /^(mqtt-tool:|hint:)/.test(l));

describe.each([60, 80, 120])('at %i columns', (columns) => {
  test.each([
    ['a refused connection and its hint', (port: number) => ['sub', '-h', '127.0.0.1', '-p', String(port), '-t', 'a/b']],
    ['a path longer than a line', () => ['sub', '-t', 'a/b', '--cafile', '/nonexistent/folder/with/a/rather/long/name/and/more/of/it/ca-certificates.pem']],
  ])('%s: no line wider than the terminal, no word split, the words as on a pipe', async (_what, argsFor) => {
    const args = argsFor(await freePort());
    const piped = messages((await runCli(args)).stderr);
    expect(piped.length).toBeGreaterThan(0);
    const screen = await onTerminal(args, columns);
    const lines = screen.split('\n').filter((l) => l !== '');
    for (const l of lines) if (!l.includes('/nonexistent/folder')) expect(stringWidth(l), l).toBeLessThanOrEqual(columns);
    // Joined back (continuation lines start with two spaces), the terminal says word for word what the pipe said.
    const joined = screen.replace(/\n {2}(?=\S)/g, ' ').split('\n').filter((l) => l !== '');
    expect(joined).toEqual(piped);
  });
});

test("diagnose on a terminal ends with its result line; stderr does not repeat it (on a pipe it does, for the person who redirected stdout)", async () => {
  const args = ['diagnose', '-h', '127.0.0.1', '-p', String(await freePort())];
  const screen = await onTerminal(args, 80);
  expect(screen).toMatch(/result: TCP failed: /);
  expect(screen).not.toContain('mqtt-tool: diagnose:');
  const piped = await runCli(args);
  expect(piped.code).toBe(4);
  expect(piped.stderr).toBe('mqtt-tool: diagnose: TCP failed\n');
});
