/**
 * Splits a byte stream into lines without decoding it: a line is everything up
 * to '\n' (not included); a last line without '\n' is still a line, as in
 * mosquitto_pub -l. Pure.
 */
export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`a line is longer than ${limit} bytes`);
  }
}

export class LineSplitter {
  private rest: Buffer[] = [];
  private restBytes = 0;

  /** `maxLineBytes`: a longer line throws LineTooLongError as soon as it is seen, before it is all buffered. */
  constructor(private readonly maxLineBytes = Infinity) {}

  /** Returns the complete lines in this chunk, in order. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    let nl = chunk.indexOf(10, start);
    while (nl !== -1) {
      const piece = chunk.subarray(start, nl);
      if (this.rest.length > 0) {
        this.rest.push(piece);
        this.check(this.restBytes + piece.length);
        lines.push(Buffer.concat(this.rest));
        this.rest = [];
        this.restBytes = 0;
      } else {
        this.check(piece.length);
        lines.push(piece);
      }
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      this.rest.push(chunk.subarray(start));
      this.restBytes += chunk.length - start;
      this.check(this.restBytes);
    }
    return lines;
  }

  private check(bytes: number): void {
    if (bytes > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
  }

  /** The unterminated last line, if any. */
  end(): Buffer | undefined {
    if (this.rest.length === 0) return undefined;
    const last = Buffer.concat(this.rest);
    this.rest = [];
    this.restBytes = 0;
    return last;
  }
}
