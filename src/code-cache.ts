/**
 * A V8 code cache for mqtt-tool's own bundles on Node 20, which lacks Node 22's
 * module.enableCompileCache(). A one-shot `pub` is mostly start-up, and compiling the bundles
 * is part of it. What it saves is small and depends on the machine: docs/performance.md, "Start-up and the code cache",
 * gives the figure measured, and how.
 *
 * - It is a loader of our own, not a patch on Node's module system: bin/mqtt-tool.cjs loads
 *   dist/cli.cjs through it and registers it for src/lazy.ts, which loads every other bundle.
 *   dist/esm-import.cjs is left to Node: code compiled from a cache cannot import(), so every
 *   dynamic import goes through that file (src/esm-import.ts).
 * - A cache file is named after the SHA-256 of the bundle's source and the Node version:
 *   V8 itself only checks the source's length, so a rebuilt bundle never meets an old cache.
 * - The caches live in the user's cache folder ($XDG_CACHE_HOME or ~/.cache), created 0700,
 *   never in a shared temporary folder. They are written at exit, after the run compiled the
 *   functions it needed, through a temporary file and a rename.
 * - Any failure (no home, read-only disk, a rejected cache) means compiling as usual: the cache
 *   never changes what a command does or prints.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

import { BUNDLE_LOADER, type BundleLoader } from './lazy.js';

export { BUNDLE_LOADER };

const CACHE_FILE = /^(.+)-[0-9a-f]{16}\.v8$/;

function cacheFolder(): string | undefined {
  const base = process.env.XDG_CACHE_HOME ?? (homedir() === '' ? undefined : join(homedir(), '.cache'));
  return base === undefined ? undefined : join(base, 'mqtt-tool', `node-${process.version}-${process.arch}`);
}

/** A loader for the .cjs bundles in `distDir` that keeps their compiled code between runs. */
export function createBundleLoader(distDir: string): BundleLoader {
  const folder = cacheFolder();
  const loaded = new Map<string, { exports: unknown }>();
  const toWrite: Array<{ file: string; name: string; script: vm.Script }> = [];
  const plainRequire = Module.createRequire(join(distDir, 'cli.cjs'));

  const load: BundleLoader = (filename) => {
    const known = loaded.get(filename);
    if (known !== undefined) return known.exports;
    if (folder === undefined || !filename.startsWith(distDir) || basename(filename) === 'esm-import.cjs') return plainRequire(filename);
    const source = readFileSync(filename, 'utf8');
    const name = basename(filename, '.cjs');
    const file = join(folder, `${name}-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(source), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true) toWrite.push({ file, name, script });
    const module = { exports: {} as unknown, filename, id: filename, loaded: false };
    // Registered before it runs, as Node does: bundles that load each other in a cycle get the partial exports.
    loaded.set(filename, module);
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, Module.createRequire(filename), module, filename, dirname(filename));
    module.loaded = true;
    return module.exports;
  };

  process.once('exit', () => {
    if (folder === undefined || toWrite.length === 0) return;
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      for (const { file, name, script } of toWrite) {
        // Only this bundle's older caches: cmd-bench's sweep must not take cmd-bench-x's.
        for (const old of readdirSync(folder)) if (CACHE_FILE.exec(old)?.[1] === name && join(folder, old) !== file) rmSync(join(folder, old), { force: true });
        const temporary = `${file}.${process.pid}`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, file);
      }
    } catch {
      // A cache that cannot be written only costs the next run its compile time.
    }
  });
  return load;
}
