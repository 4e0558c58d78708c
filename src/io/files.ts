/** Reading the files users name in flags; a file that cannot be read is a usage error naming the flag. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export function readUserFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why: Record<string, string> = {
      ENOENT: 'no such file',
      EACCES: 'permission denied',
      EISDIR: 'it is a directory',
    };
    throw new UsageError(`cannot read ${flag} '${path}': ${why[code] ?? code} (${code})`);
  }
}
