/** Lines cut to a terminal's width, so a line rewritten in place never wraps. Pure. */
import stringWidth from 'string-width';

const graphemes = new Intl.Segmenter();

/**
 * At most `width` display columns (a CJK character or an emoji takes two, a combining mark
 * none), the last one an ellipsis when cut; never a character split; tabs and line breaks
 * become spaces.
 */
export function cutToWidth(line: string, width: number): string {
  const flat = line.replace(/[\r\n\t]/g, ' ');
  if (stringWidth(flat) <= width) return flat;
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(flat)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    kept += segment;
    used += w;
  }
  return `${kept}…`;
}

/**
 * Words of `text` in lines of at most `columns - indent` display columns (the first line starts
 * `firstOffset` columns in); a word is never split: one longer than a line (a URL, a path, a
 * fingerprint) gets a line of its own.
 */
export function wrap(text: string, indent: number, firstOffset: number, columns: number | undefined): string {
  if (columns === undefined) return text;
  const room = Math.max(20, columns - indent);
  const lines: string[] = [];
  let line = '';
  let used = 0;
  let limit = Math.max(20, columns - firstOffset);
  for (const word of text.split(' ')) {
    const w = stringWidth(word);
    if (line !== '' && used + 1 + w > limit) {
      lines.push(line);
      line = word;
      used = w;
      limit = room;
    } else {
      line = line === '' ? word : `${line} ${word}`;
      used = line === word ? w : used + 1 + w;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/**
 * The one rule for words on stderr: on a terminal, a line is wrapped between words to its width (or
 * COLUMNS when the terminal does not say), in display columns, continuation lines indented by two,
 * and a word is never split; a pipe or a file gets it whole, for grep. `prefix` is what precedes
 * the text on its first line ("mqtt-tool: ", "hint: ").
 */
export function fitStderr(line: string, prefix: string): string {
  return wrap(line, 2, prefix.length, terminalColumns(process.stderr));
}

/** A terminal's width: what it says, else COLUMNS; undefined for a pipe or a file, or a terminal of unknown width. */
export function terminalColumns(stream: { readonly isTTY?: boolean; readonly columns?: number }): number | undefined {
  if (stream.isTTY !== true) return undefined;
  if (stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const env = Number(process.env['COLUMNS']);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

/** Room for an example line: man indents them 7 columns of 80, --help 2. */
const EXAMPLE_WIDTH = 70;

/** A long example folded at spaces into shell continuation lines ("… \\" then two spaces), so it still runs as shown. */
export function foldExample(line: string, width = EXAMPLE_WIDTH): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width - 2) {
      out.push(`${current} \\`);
      current = `  ${word}`;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  out.push(current);
  return out;
}
