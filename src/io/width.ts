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

/** Words of `text` in lines of at most `columns - indent` characters; a longer word gets a line of its own. */
export function wrap(text: string, indent: number, firstOffset: number, columns: number | undefined): string {
  if (columns === undefined) return text;
  const room = Math.max(20, columns - indent);
  const lines: string[] = [];
  let line = '';
  let limit = Math.max(20, columns - firstOffset);
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > limit) {
      lines.push(line);
      line = word;
      limit = room;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}
