/**
 * `-o FILE`: default options in mosquitto's client format, one flag per line ("-h broker", "-q 1",
 * "--cafile /etc/ca.pem"), so option files written for mosquitto_pub/sub/rr work as they are.
 * Blank lines and lines starting with # are skipped; the rest of a line after the flag is its one
 * value, spaces included. Pure: text in, arguments out.
 */
import { UsageError } from '../errors.js';

export function parseOptionsFile(text: string, file: string): string[] {
  const args: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(-\S+)(?:\s+(.*))?$/.exec(line);
    if (m === null) throw new UsageError(`${file}:${i + 1}: expected a flag such as "-h broker" or "--cafile ca.pem", got '${line}'`, { hint: 'An options file has one flag per line, as mosquitto_pub/sub read them.' });
    const [, flag, value] = m as unknown as [string, string, string | undefined];
    if (flag === '-o' || flag === '--options-file') throw new UsageError(`${file}:${i + 1}: an options file cannot name another one`);
    args.push(flag);
    if (value !== undefined && value !== '') args.push(value);
  });
  return args;
}

/** Where `-o FILE` / `--options-file FILE` / `--options-file=FILE` is in the command's arguments, if anywhere. */
export function findOptionsFile(args: readonly string[]): { index: number; length: number; file: string } | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') return undefined;
    if (a === '-o' || a === '--options-file') {
      const file = args[i + 1];
      if (file === undefined) throw new UsageError(`${a} needs a file name`);
      return { index: i, length: 2, file };
    }
    if (a.startsWith('--options-file=')) return { index: i, length: 1, file: a.slice('--options-file='.length) };
  }
  return undefined;
}
