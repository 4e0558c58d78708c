/**
 * import() from a module Node compiles itself. Bundles compiled from the code cache
 * (src/code-cache.ts) cannot import(): V8 drops the dynamic-import hook with the cached
 * code. This file is its own bundle (dist/esm-import.cjs), which the cache leaves alone.
 */
export function importModule<T>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
