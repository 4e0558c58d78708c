/** The output flags `sub` and `rr` share, and the formatter they select. */
import { UsageError } from '../errors.js';
import { compileFormat, type Formatter } from '../io/format.js';
import type { Terminal } from '../io/terminal.js';

export interface OutputFlags {
  format?: string;
  verbose?: boolean;
  newline: boolean;
  pretty?: boolean;
}

export function chooseFormat(flags: OutputFlags, term: Terminal): Formatter {
  if (flags.verbose === true && flags.format !== undefined && flags.format !== 'verbose') {
    throw new UsageError('-v and -F cannot be combined: -v is -F verbose');
  }
  return compileFormat(flags.format ?? (flags.verbose === true ? 'verbose' : 'raw'), {
    newline: flags.newline,
    pretty: flags.pretty === true,
    style: { topic: (s) => term.out.cyan(s), meta: (s) => term.out.dim(s) },
  });
}
