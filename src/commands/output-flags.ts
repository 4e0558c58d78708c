/** The output flags `sub` and `rr` share, and the formatter they select. */
import { UsageError } from '../errors.js';
import { compileFormat, type Formatter } from '../io/format.js';
import type { Terminal } from '../io/terminal.js';
import type { DecodeChoice } from '../codecs/spec.js';
import { payloadDecoder } from '../setup/codecs.js';

export interface OutputFlags {
  format?: string;
  verbose?: boolean;
  newline: boolean;
  pretty?: boolean;
  decode?: DecodeChoice;
}

export function chooseFormat(flags: OutputFlags, term: Terminal): Formatter {
  if (flags.verbose === true && flags.format !== undefined && flags.format !== 'verbose') {
    throw new UsageError('-v and -F cannot be combined: -v is -F verbose');
  }
  const format = compileFormat(flags.format ?? (flags.verbose === true ? 'verbose' : 'raw'), {
    newline: flags.newline,
    pretty: flags.pretty === true,
    style: { topic: (s) => term.out.cyan(s), meta: (s) => term.out.dim(s) },
  });
  if (flags.decode === undefined) return format;
  const decode = payloadDecoder(flags.decode);
  // A payload that does not decode is printed as it is, with one line on stderr; it never ends the run.
  return (m) => {
    const r = decode(m.topic, m.payload);
    if (r === undefined) return format(m);
    if (!r.ok) {
      term.warn(`topic '${m.topic}': payload is not ${r.encoding} (${r.reason}); printed as it is`);
      return format(m);
    }
    for (const n of r.notices) term.notice(`${r.encoding}: ${n}`);
    return format({ ...m, decoded: { encoding: r.encoding, value: r.value } });
  };
}
