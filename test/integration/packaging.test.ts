/**
 * npm pack holds only what a user needs, and a global install from the tarball works in a clean prefix.
 * --ignore-scripts: `npm test` built dist/ already; rebuilding it here would pull it from under tests running in parallel.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/temp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('npm pack + npm install -g ./mqtt-tool-*.tgz gives a working mqtt-tool on PATH', () => {
  const dir = tempDir('mqtt-tool-pack-');
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed[0]?.files.map((f) => f.path) ?? [];
  expect(files).toEqual(expect.arrayContaining(['bin/mqtt-tool.cjs', 'dist/cli.cjs', 'dist/broker.mjs', 'completions/mqtt-tool.bash', 'man/mqtt-tool.1', 'man/mqtt-tool-pub.1', 'README.md', 'LICENSE', 'package.json']));
  expect(files.filter((f) => /^(src|test|scripts|\.ci)\//.test(f))).toEqual([]);
  // Small: no source maps unless asked for at build time; under 1 MB packed.
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  expect((packed[0] as unknown as { size: number }).size).toBeLessThan(1_000_000);
  const prefix = join(dir, 'prefix');
  const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, packed[0]?.filename ?? '')], { encoding: 'utf8' });
  expect(install.status).toBe(0);
  // No warning of ours: the package has no install-time script for npm to ask about.
  expect(install.stderr).not.toContain('mqtt-tool');
  expect(readdirSync(join(prefix, 'bin'))).toContain('mqtt-tool');
  const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env['PATH'] ?? ''}` };
  const version = execFileSync('mqtt-tool', ['--version'], { env, encoding: 'utf8' });
  expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  const help = execFileSync('mqtt-tool', ['pub', '--help'], { env, encoding: 'utf8' });
  expect(help).toContain('--qos');
  // npm links the man pages into the prefix: `man mqtt-tool` and `man mqtt-tool-pub` work after the install.
  for (const page of ['mqtt-tool', 'mqtt-tool-pub']) {
    const man = spawnSync('man', ['-M', join(prefix, 'share', 'man'), page], { encoding: 'utf8', env: { ...env, MANPAGER: 'cat', PAGER: 'cat' } });
    expect(man.status, man.stderr).toBe(0);
    expect(man.stdout).toMatch(page === 'mqtt-tool' ? /COMMANDS/ : /--qos/);
  }
  // The embedded broker (an ES module loaded from the bundle) works from the installed package too.
  execFileSync('mqtt-tool', ['pub', '--embedded', '-t', 'x', '-m', 'y', '-q', '1'], { env, encoding: 'utf8', stdio: 'pipe' });
}, 180_000);
