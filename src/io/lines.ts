/**
 * Splits a byte stream into lines without decoding it: a line is everything up
 * to '\n' (not included); a last line without '\n' is still a line, as in
 * mosquitto_pub -l. Pure.
 */
export class LineSplitter {
  private rest: Buffer[] = [];

  /** Returns the complete lines in this chunk, in order. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    let nl = chunk.indexOf(10, start);
    while (nl !== -1) {
      const piece = chunk.subarray(start, nl);
      if (this.rest.length > 0) {
        this.rest.push(piece);
        lines.push(Buffer.concat(this.rest));
        this.rest = [];
      } else {
        lines.push(piece);
      }
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.rest.push(chunk.subarray(start));
    return lines;
  }

  /** The unterminated last line, if any. */
  end(): Buffer | undefined {
    if (this.rest.length === 0) return undefined;
    const last = Buffer.concat(this.rest);
    this.rest = [];
    return last;
  }
}
