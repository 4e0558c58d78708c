/**
 * The code cache for dist/ bundles on Node 20 (src/code-cache.ts): used when valid, rebuilt when
 * not, and never a reason for a command to fail or print anything. Node 22+ caches compiled code
 * itself (module.enableCompileCache), so there is nothing of ours to test there.
 */
import Module from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const nodeCachesItself = (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache !== undefined;

describe.skipIf(nodeCachesItself)('code cache on Node 20', () => {
  // Loads the pub bundle and fails in it, before any network: exit 2 with a fixed message.
  const run = (cacheHome: string) => runCli(['pub', '-t', 'a/#', '-m', 'x'], { env: { XDG_CACHE_HOME: cacheHome } });
  const folder = (cacheHome: string) => join(cacheHome, 'mqtt-tool', `node-${process.version}-${process.arch}`);

  test('the first run writes one cache per bundle it loaded; later runs read it and behave the same', async () => {
    const home = tempDir('mqtt-tool-cache-');
    const first = await run(home);
    expect(first.code).toBe(2);
    expect(first.stderr).toContain('invalid topic');
    const files = readdirSync(folder(home)).sort();
    expect(files).toEqual([expect.stringMatching(/^cli-[0-9a-f]{16}\.v8$/), expect.stringMatching(/^cmd-pub-[0-9a-f]{16}\.v8$/)]);
    const before = readFileSync(join(folder(home), files[0] as string));
    const second = await run(home);
    expect(second).toMatchObject({ code: 2, stdout: '', stderr: first.stderr });
    // A valid cache is read, not rewritten.
    expect(readFileSync(join(folder(home), files[0] as string))).toEqual(before);
  });

  test('a corrupt cache is rejected by V8 and replaced; the command does not notice', async () => {
    const home = tempDir('mqtt-tool-cache-');
    const first = await run(home);
    const file = join(folder(home), readdirSync(folder(home)).find((f) => f.startsWith('cmd-pub-')) as string);
    writeFileSync(file, Buffer.alloc(4096, 0x5a));
    const second = await run(home);
    expect(second).toMatchObject({ code: 2, stderr: first.stderr });
    expect(readFileSync(file).equals(Buffer.alloc(4096, 0x5a))).toBe(false);
  });

  test("a rebuilt bundle's stale cache is swept, another bundle's whose name starts the same is not", async () => {
    const home = tempDir('mqtt-tool-cache-');
    await run(home);
    const stale = join(folder(home), 'cmd-pub-0000000000000000.v8');
    const neighbour = join(folder(home), 'cmd-pub-extra-0123456789abcdef.v8');
    writeFileSync(stale, 'old');
    writeFileSync(neighbour, 'other bundle');
    const current = readdirSync(folder(home)).find((f) => /^cmd-pub-[0-9a-f]{16}\.v8$/.test(f) && !f.startsWith('cmd-pub-0000')) as string;
    writeFileSync(join(folder(home), current), Buffer.alloc(64, 1));
    await run(home);
    const files = readdirSync(folder(home));
    expect(files).not.toContain('cmd-pub-0000000000000000.v8');
    expect(files).toContain('cmd-pub-extra-0123456789abcdef.v8');
    expect(files).toContain(current);
  });

  test('a cache folder that cannot be created costs nothing but the cache', async () => {
    const blocker = join(tempDir('mqtt-tool-cache-'), 'a-file');
    writeFileSync(blocker, 'not a folder');
    const r = await run(blocker);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^mqtt-tool: invalid topic/);
    expect(r.stderr).not.toMatch(/cache|EEXIST|ENOTDIR/i);
  });

  test('a command that loads the embedded broker (a dynamic import from a cached bundle) works from the cache', async () => {
    const home = tempDir('mqtt-tool-cache-');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['pub', '--embedded', '-t', 'x', '-m', 'y', '-q', '1'], { env: { XDG_CACHE_HOME: home } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });
});
