/**
 * The layering rules, checked on the source: src/connection/ is the shared layer under every
 * command and knows nothing of the edge; tls-check and diagnose share src/tls and src/report,
 * not each other's internals.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The src/ folders a file imports from, resolved from its relative import specifiers. */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => relative(SRC, join(file, '..', m[1] as string)).split('/')[0] as string);
}

describe('src/connection/', () => {
  const connection = files(join(SRC, 'connection'));
  test.each(connection.map((f) => [relative(SRC, f)]))('%s imports no io/, config/, broker/, commands/ or setup/', (file) => {
    const forbidden = importedFolders(join(SRC, file)).filter((f) => ['io', 'config', 'broker', 'commands', 'setup', 'diagnose', 'report'].includes(f));
    expect(forbidden).toEqual([]);
  });
  test.each(connection.map((f) => [relative(SRC, f)]))('%s reads no environment, prints nothing, exits nothing', (file) => {
    const text = readFileSync(join(SRC, file), 'utf8');
    expect(text).not.toMatch(/process\.(env|stdout|stderr|exit)|console\./);
  });
});

test('tls-check uses the shared TLS and report modules, not diagnose internals', () => {
  expect(importedFolders(join(SRC, 'commands', 'tls-check.ts'))).not.toContain('diagnose');
});

test('src/tls/ and src/report/ are below the commands', () => {
  for (const f of [...files(join(SRC, 'tls')), ...files(join(SRC, 'report'))]) {
    expect(importedFolders(f).filter((d) => ['commands', 'diagnose', 'setup', 'io'].includes(d))).toEqual([]);
  }
});

test('src/codecs/ is pure: no other src/ folder but errors, no environment, no output', () => {
  for (const f of files(join(SRC, 'codecs'))) {
    expect(importedFolders(f).filter((d) => d !== 'codecs' && d !== 'errors.js')).toEqual([]);
    expect(readFileSync(f, 'utf8')).not.toMatch(/process\.(env|stdout|stderr|exit)|console\.|node:fs/);
  }
});
