/** The command reference (docs/reference.md) is the CLI's own help: the two cannot drift. The README is for people: short, the everyday tasks first. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { EXIT_CODE_TABLE } from '../../src/errors.js';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script without types
import { BEGIN, COMMANDS, END, reference } from '../../scripts/readme-reference.mjs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('docs/reference.md matches --help (run `npm run readme` after changing flags)', () => {
  const readme = readFileSync(new URL('../../docs/reference.md', import.meta.url), 'utf8');
  const start = readme.indexOf(BEGIN as string);
  const end = readme.indexOf(END as string);
  expect(start).toBeGreaterThan(-1);
  expect(readme.slice(start, end + (END as string).length)).toBe((reference as () => string)());
});

test('README opens with the two set-up commands', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const firstBlock = readme.split('```')[1] ?? '';
  expect(firstBlock).toContain('npm install && npx mqtt-tool bench --embedded');
  expect(firstBlock).toContain('npm test');
});

test('the README is one a newcomer reads: under 300 lines, the everyday tasks before the reference, every docs link there', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  expect(readme.split('\n').length).toBeLessThan(300);
  const tasks = ["sub -h broker.local -t '#' -v", 'pub -h broker.local -t devices/42/cmd', 'pub -h broker.local -t logs/app -l', 'mqtt-tool diagnose', 'mqtt-tool bench'];
  for (const t of tasks) expect(readme.indexOf(t), t).toBeGreaterThan(-1);
  expect(readme.indexOf("sub -h broker.local -t '#' -v")).toBeLessThan(readme.indexOf('## Exit codes'));
  for (const [, file] of readme.matchAll(/\]\((docs\/[\w-]+\.md)/g)) expect(existsSync(new URL(`../../${file}`, import.meta.url)), file).toBe(true);
});

test('every --help fits 80 columns: option text wrapped by commander, long examples folded into shell continuation lines', () => {
  const bin = fileURLToPath(new URL('../../bin/mqtt-tool.cjs', import.meta.url));
  for (const command of COMMANDS as string[][]) {
    const help = execFileSync('node', [bin, ...command, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80', NO_COLOR: '1' } });
    for (const line of help.split('\n')) expect(line.length, `${command.join(' ')}: ${line}`).toBeLessThanOrEqual(80);
  }
});

test('the exit-code tables of the README and docs/scripting.md are the one table of src/errors.ts', () => {
  for (const file of ['README.md', 'docs/scripting.md']) {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const rows = [...text.matchAll(/^\| (\d+) \| (.*) \|$/gm)].map((m) => ({ code: Number(m[1]), meaning: (m[2] as string).replace(/`/g, '').replace(/≥/g, '>=') }));
    expect(rows, file).toEqual(EXIT_CODE_TABLE.map((r) => ({ code: r.code, meaning: r.meaning })));
  }
});

test('links between the docs lead to a file and a heading that exist', () => {
  const dir = new URL('../../docs/', import.meta.url);
  const slug = (t: string): string => t.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
  const headings = (text: string): Set<string> => new Set([...text.matchAll(/^#{1,4} (.*)$/gm)].map((m) => slug(m[1] as string)));
  const files = ['README.md', ...readdirSync(dir).map((f) => `docs/${f}`)];
  for (const file of files) {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    for (const [, target, anchor] of text.matchAll(/\]\(([\w./-]*\.md)?#([\w-]+)\)/g)) {
      const path = target === undefined ? file : file.startsWith('docs/') && !target.startsWith('../') ? `docs/${target}` : target.replace(/^\.\.\//, '');
      expect(headings(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')), `${file} -> ${path}#${anchor}`).toContain(anchor);
    }
  }
});
