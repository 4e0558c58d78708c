/** The README's command reference is the CLI's own help: the two cannot drift. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script without types
import { BEGIN, END, reference } from '../../scripts/readme-reference.mjs';

test('README command reference matches --help (run `npm run readme` after changing flags)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
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
