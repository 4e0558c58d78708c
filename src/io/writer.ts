/**
 * A stdout writer that batches small writes (one syscall per batch, not per
 * message) and respects back-pressure: `write` tells the caller to wait when
 * the stream is full, so a slow reader slows the producer instead of growing memory.
 */
import type { Writable } from 'node:stream';

const FLUSH_BYTES = 64 * 1024;

export class BatchedWriter {
  private chunks: Buffer[] = [];
  private size = 0;
  private scheduled = false;
  private broken = false;

  constructor(private readonly out: Writable, onBroken: (err: NodeJS.ErrnoException) => void) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (this.broken) return;
      this.broken = true;
      this.chunks = [];
      this.size = 0;
      onBroken(err);
    });
  }

  get isBroken(): boolean {
    return this.broken;
  }

  /** Queues data; resolves at once unless the batch had to be flushed into a full stream. */
  write(data: Buffer | readonly Buffer[]): Promise<void> | undefined {
    if (this.broken) return undefined;
    if (Buffer.isBuffer(data)) {
      this.chunks.push(data);
      this.size += data.length;
    } else {
      for (const piece of data as readonly Buffer[]) {
        this.chunks.push(piece);
        this.size += piece.length;
      }
    }
    if (this.size >= FLUSH_BYTES) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return undefined;
  }

  /** Writes what is queued; resolves when the stream can take more. */
  flush(): Promise<void> | undefined {
    if (this.size === 0 || this.broken) return undefined;
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    if (this.out.write(data)) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.removeListener('drain', done);
        this.out.removeListener('error', done);
        resolve();
      };
      this.out.once('drain', done);
      this.out.once('error', done);
    });
  }

  /** Flushes everything and waits until the stream has handed it to the OS. */
  async end(): Promise<void> {
    await this.flush();
    if (this.broken) return;
    await new Promise<void>((resolve) => {
      if (this.out.writableNeedDrain) this.out.once('drain', () => resolve());
      else this.out.write('', () => resolve());
    });
  }
}
