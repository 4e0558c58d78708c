/** Lines cut to a terminal's width, so a line rewritten in place never wraps. Pure. */

/** At most `width` code points, the last one an ellipsis when cut; tabs and line breaks become spaces. */
export function cutToWidth(line: string, width: number): string {
  const chars = [...line.replace(/[\r\n\t]/g, ' ')];
  return chars.length <= width ? chars.join('') : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
