/**
 * The terminal as explore leaves and finds it, and the bytes that turn one frame into the next:
 * only the lines that changed are rewritten. Pure strings; the app writes them.
 */

/** Alternate screen, cursor hidden, the screen cleared. */
export const ENTER = '\x1b[?1049h\x1b[?25l\x1b[2J';
/** Styles reset, cursor shown, back to the normal screen with what was on it. */
export const LEAVE = '\x1b[0m\x1b[?25h\x1b[?1049l';

/** The writes that turn `prev` into `next`: everything when there is no previous frame (or its size differs). */
export function frameUpdate(prev: readonly string[] | undefined, next: readonly string[]): string {
  const full = prev === undefined || prev.length !== next.length;
  let out = full ? '\x1b[2J' : '';
  next.forEach((line, i) => {
    if (full || prev[i] !== line) out += `\x1b[${i + 1};1H${line}\x1b[0m`;
  });
  return out;
}

/** OSC 52: the terminal puts `text` on the clipboard (terminals that do not support it ignore it). */
export function copyToClipboard(text: string): string {
  return `\x1b]52;c;${Buffer.from(text).toString('base64')}\x07`;
}

/** A word for a shell: single-quoted when it needs to be. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
