/**
 * Terminal input as keys: arrow and page keys in both cursor modes, Enter, Backspace, Tab,
 * Escape, control keys and printable text, several in one read. Pure.
 */

export type Key =
  | { readonly kind: 'up' | 'down' | 'left' | 'right' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'enter' | 'backspace' | 'tab' | 'escape' | 'ctrlC' | 'ctrlR' }
  | { readonly kind: 'char'; readonly char: string };

const SEQUENCES: ReadonlyArray<[string, Key['kind']]> = [
  ['\x1b[A', 'up'],
  ['\x1bOA', 'up'],
  ['\x1b[B', 'down'],
  ['\x1bOB', 'down'],
  ['\x1b[C', 'right'],
  ['\x1bOC', 'right'],
  ['\x1b[D', 'left'],
  ['\x1bOD', 'left'],
  ['\x1b[5~', 'pageUp'],
  ['\x1b[6~', 'pageDown'],
  ['\x1b[H', 'home'],
  ['\x1bOH', 'home'],
  ['\x1b[1~', 'home'],
  ['\x1b[F', 'end'],
  ['\x1bOF', 'end'],
  ['\x1b[4~', 'end'],
];

export function decodeKeys(input: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < input.length) {
    const rest = input.slice(i);
    const seq = SEQUENCES.find(([s]) => rest.startsWith(s));
    if (seq !== undefined) {
      keys.push({ kind: seq[1] } as Key);
      i += seq[0].length;
      continue;
    }
    const c = input[i] as string;
    if (c === '\x1b') {
      // An escape sequence we do not know (a function key, a mouse report): skipped whole.
      const unknown = /^\x1b(\[[0-9;?<>]*[ -/]*[@-~]|O.)/.exec(rest);
      if (unknown !== null) i += unknown[0].length;
      else {
        keys.push({ kind: 'escape' });
        i += 1;
      }
      continue;
    }
    i += 1;
    if (c === '\r' || c === '\n') keys.push({ kind: 'enter' });
    else if (c === '\x7f' || c === '\b') keys.push({ kind: 'backspace' });
    else if (c === '\t') keys.push({ kind: 'tab' });
    else if (c === '\x03') keys.push({ kind: 'ctrlC' });
    else if (c === '\x12') keys.push({ kind: 'ctrlR' });
    else if (c >= ' ') keys.push({ kind: 'char', char: c });
  }
  return keys;
}
