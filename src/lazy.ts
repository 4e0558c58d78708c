/**
 * Loads a bundle that scripts/build.mjs builds as its own file (dist/NAME.cjs), so code a
 * run does not need (other commands, WebSocket, config files) is never even parsed: a
 * one-shot `pub` is mostly start-up. Only for the built CLI, where __dirname is dist/.
 * On Node 20 the bundles go through the code-cache loader bin/mqtt-tool.cjs registered.
 */
import { join } from 'node:path';

/** Loads a dist/ bundle (an absolute .cjs path) and returns its exports. */
export type BundleLoader = (filename: string) => unknown;

/** Where bin/mqtt-tool.cjs registers the code-cache loader (src/code-cache.ts), one per process. */
export const BUNDLE_LOADER = Symbol.for('mqtt-tool.bundle-loader');

export function loadBundle<T>(name: string): T {
  const file = join(__dirname, `${name}.cjs`);
  const loader = (globalThis as Record<symbol, BundleLoader | undefined>)[BUNDLE_LOADER];
  return (loader === undefined ? require(file) : loader(file)) as T;
}
