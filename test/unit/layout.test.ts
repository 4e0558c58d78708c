/**
 * The layering rules, checked on the source against LAYOUT (test/helpers/layout-table.ts), the
 * one table of what each part of src/ holds and what it may import; the layout table of docs/development.md
 * is that table written out (a test below fails when they differ).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LAYOUT, layoutMarkdown } from '../helpers/layout-table.js';

const SRC = new URL('../../src/', import.meta.url).pathname;
const DEVELOPMENT = new URL('../../docs/development.md', import.meta.url).pathname;

/** Entry points of another thread or process: they own their own exit. */
const ENTRIES = new Set(['bench/worker.ts', 'broker/child.ts']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The part of src/ a path (relative to src/) belongs to. */
function partOf(rel: string): string {
  const [first, second] = rel.split('/');
  return second === undefined ? (first as string) : `${first}/`;
}

/** The parts a file imports from, resolved from its relative import specifiers (types and lazy imports too). */
function importedParts(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] as string);
  return [...new Set(specs.map((s) => partOf(relative(SRC, join(file, '..', s)).replace(/\.js$/, '.ts'))))];
}

const all = files(SRC).map((f) => relative(SRC, f));

test('every file under src/ belongs to a part of the table', () => {
  const known = new Set(LAYOUT.map((p) => p.part));
  expect(all.map(partOf).filter((p) => !known.has(p))).toEqual([]);
});

describe.each(LAYOUT.map((p) => [p.part, p] as const))('%s', (part, row) => {
  const own = all.filter((f) => partOf(f) === part);
  test.each(own.map((f) => [f]))(`%s imports only ${row.mayImport.join(', ') || 'nothing of the project'}`, (file) => {
    const outside = importedParts(join(SRC, file)).filter((p) => p !== part && !row.mayImport.includes(p));
    expect(outside).toEqual([]);
  });
  if (row.quiet) {
    test.each(own.filter((f) => !ENTRIES.has(f)).map((f) => [f]))('%s reads no environment, prints nothing, exits nothing', (file) => {
      expect(readFileSync(join(SRC, file), 'utf8')).not.toMatch(/process\.(env|stdout|stderr|stdin|exit)|console\./);
    });
  }
});

test('outside connection/, the transports are reached only through connection/transport/load.ts', () => {
  const reaching = all.filter((f) => partOf(f) !== 'connection/' && /from '[./]*connection\/transport\/(?!load\.js)/.test(readFileSync(join(SRC, f), 'utf8')));
  expect(reaching).toEqual([]);
});

test('codecs/ touches no file system', () => {
  for (const f of all.filter((f) => partOf(f) === 'codecs/')) expect(readFileSync(join(SRC, f), 'utf8')).not.toMatch(/node:fs/);
});

test('no file under src/ is above 400 lines, but the data tables', () => {
  const tables = new Set(['connection/reason-codes.ts', 'codecs/sparkplug-schema.ts']);
  const long = all.filter((f) => !tables.has(f) && readFileSync(join(SRC, f), 'utf8').split('\n').length > 400);
  expect(long).toEqual([]);
});

test("docs/development.md's layout table is this table", () => {
  expect(readFileSync(DEVELOPMENT, 'utf8')).toContain(layoutMarkdown());
});
