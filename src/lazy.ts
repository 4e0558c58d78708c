/**
 * Loads a bundle that scripts/build.mjs builds as its own file (dist/NAME.cjs), so code a
 * run does not need (other commands, WebSocket, config files) is never even parsed: a
 * one-shot `pub` is mostly start-up. Only for the built CLI, where __dirname is dist/.
 */
import { join } from 'node:path';

export function loadBundle<T>(name: string): T {
  return require(join(__dirname, `${name}.cjs`)) as T;
}
