/**
 * Man pages, generated from the command declarations (`npm run man` writes man/): the files are
 * what the declarations give, every page renders with man(1) without a warning, and each shows every
 * flag of its command's --help, its examples and the exit codes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { describe, expect, test } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { HINTS } from '../../src/commands/completion.js';
import { buildModel, type CommandModel } from '../../src/completion/model.js';
import { manPage, pageName } from '../../src/completion/man.js';
import { EXIT_CODE_TABLE } from '../../src/errors.js';

const DIR = fileURLToPath(new URL('../../man/', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The example lines of a command's --help (after "Examples:"). */
function examplesOf(cmd: Command): string[] {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  const after = text.split('\nExamples:\n')[1];
  // A long example is folded into shell continuation lines ("… \\" and an indented rest): one example again.
  return after === undefined ? [] : after.split('\n\n')[0]!.replace(/ \\\n\s+/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

interface Page {
  path: string[];
  model: CommandModel;
  command: Command;
}

function pages(): Page[] {
  const program = buildProgram() as unknown as Command;
  const root = buildModel(program, HINTS);
  const out: Page[] = [];
  const walk = (model: CommandModel, command: Command, path: string[]): void => {
    out.push({ path, model, command });
    for (const sub of model.subcommands) {
      const c = command.commands.find((x) => x.name() === sub.name);
      if (c !== undefined) walk(sub, c as Command, [...path, sub.name]);
    }
  };
  walk(root, program, []);
  return out;
}

const all = pages();
const names = all.map((p) => pageName(p.path));
const render = (p: Page): string => manPage(p.model, p.path, { version: VERSION, examples: examplesOf(p.command), exitCodes: EXIT_CODE_TABLE, allPages: names });

test('man/ holds what the command declarations give (run npm run man after changing a flag)', () => {
  for (const p of all) {
    const file = join(DIR, `${pageName(p.path)}.1`);
    if (process.env['MQTT_TOOL_WRITE_MAN'] === '1') writeFileSync(file, render(p));
    expect(readFileSync(file, 'utf8'), file).toBe(render(p));
  }
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { man: string[]; files: string[] };
  expect(pkg.man.sort()).toEqual(names.map((n) => `./man/${n}.1`).sort());
  expect(pkg.files).toContain('man');
});

describe.each(all.map((p) => [pageName(p.path), p] as const))('%s(1)', (name, page) => {
  test('renders without a warning, with every flag, the examples and the exit codes', () => {
    const r = spawnSync('man', ['--warnings', '-l', join(DIR, `${name}.1`)], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80', LANG: 'C.UTF-8' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const text = r.stdout.replace(/.\x08/g, '');
    for (const o of page.model.options) expect(text, o.long).toContain(o.long);
    // Long examples are folded into shell continuation lines: joined back, they are the --help examples.
    const joined = text.replace(/ \\\n\s+/g, ' ').replace(/\s+/g, ' ');
    for (const e of examplesOf(page.command)) expect(joined).toContain(e.replace(/\s+/g, ' '));
    expect(text).toContain('EXIT STATUS');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});
