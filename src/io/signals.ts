/**
 * Ctrl-C / SIGTERM policy shared by every command: the first signal asks the
 * command to finish gracefully; a second one exits at once with code 130.
 */
import { ExitCode } from '../errors.js';

export function onInterrupt(graceful: (signal: NodeJS.Signals) => void): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (seen) {
      process.stderr.write('mqtt-tool: interrupted again: exiting now\n');
      process.exit(ExitCode.interrupted);
    }
    seen = true;
    graceful(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
