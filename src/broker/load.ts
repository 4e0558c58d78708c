/**
 * Loads the embedded broker module. aedes is an ES module only, so the bundle
 * keeps it in its own file (dist/broker.mjs) and reaches it with a real dynamic
 * import (src/esm-import.ts).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBundle } from '../lazy.js';

export type EmbeddedModule = typeof import('./embedded.js');

export function loadEmbeddedBroker(): Promise<EmbeddedModule> {
  const file = pathToFileURL(join(__dirname, 'broker.mjs')).href;
  return loadBundle<typeof import('../esm-import.js')>('esm-import').importModule<EmbeddedModule>(file);
}
