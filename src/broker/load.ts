/**
 * Loads the embedded broker module. aedes is an ES module only, so the bundle
 * keeps it in its own file (dist/broker.mjs) and reaches it with a real dynamic
 * import; the specifier is computed so the bundler leaves the import alone.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type EmbeddedModule = typeof import('./embedded.js');

export function loadEmbeddedBroker(): Promise<EmbeddedModule> {
  const file = pathToFileURL(join(__dirname, 'broker.mjs')).href;
  return import(file) as Promise<EmbeddedModule>;
}
