/**
 * Ctrl-C / SIGTERM / SIGHUP policy shared by every command: the first signal asks the
 * command to finish gracefully; a second one exits at once with code 130. Signals that
 * arrive together are one request: coreutils `timeout` sends SIGTERM to the child and then
 * to its process group, so mqtt-tool sees two at once; a closed terminal sends SIGHUP (and
 * often SIGTERM behind it), which must end the command cleanly too, DISCONNECT and all.
 */
import { ExitCode } from '../errors.js';

/** Signals closer together than this are one request. */
export const SAME_REQUEST_MS = 50;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Pure: what a signal at `at` means after a first one at `first` (undefined: none yet). */
export function signalMeaning(first: number | undefined, at: number): 'graceful' | 'same-request' | 'again' {
  if (first === undefined) return 'graceful';
  return at - first < SAME_REQUEST_MS ? 'same-request' : 'again';
}

export function onInterrupt(graceful: (signal: NodeJS.Signals) => void): () => void {
  let first: number | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    const now = performance.now();
    const meaning = signalMeaning(first, now);
    if (meaning === 'same-request') return;
    if (meaning === 'again') {
      process.stderr.write('mqtt-tool: interrupted again: exiting now\n');
      process.exit(ExitCode.interrupted);
    }
    first = now;
    graceful(signal);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SIGNALS) process.removeListener(s, handler);
  };
}
