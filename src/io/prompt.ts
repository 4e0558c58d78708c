/**
 * Reads a password from the terminal without echo. It reads /dev/tty, not
 * stdin, so `pub -l` can still take its data from a pipe.
 */
import { openSync } from 'node:fs';
import tty from 'node:tty';
import { ExitCode, UsageError } from '../errors.js';

export function promptPassword(label: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    throw new UsageError('--password-prompt needs a terminal', { hint: 'Use MQTT_TOOL_PASSWORD or --password-file in scripts.' });
  }
  const input = new tty.ReadStream(fd);
  const output = new tty.WriteStream(fd);
  return new Promise((resolve) => {
    let value = '';
    // Echo off before the prompt shows: a password typed the moment it appears is never echoed.
    input.setRawMode(true);
    output.write(label);
    input.setEncoding('utf8');
    const finish = (): void => {
      input.setRawMode(false);
      input.removeListener('data', onData);
      output.write('\n');
      input.destroy();
      output.destroy();
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          process.exit(ExitCode.interrupted);
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
