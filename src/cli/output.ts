// stdout with backpressure, batching and a quiet end on a closed pipe (`prec | head -1`): once the
// reader goes away every further write is dropped and `closed` tells the views to stop reading.
import type { Writable } from 'node:stream';

const BATCH = 64 * 1024;

export class Output {
  private buffer = '';
  closed = false;
  private readonly closeListeners: Array<() => void> = [];
  private beforeWrite: (() => void) | undefined;

  constructor(private readonly stream: Writable) {
    // oclif rethrows every stdout error but EPIPE from its own listener; this class decides instead.
    stream.removeAllListeners('error');
    stream.on('error', (err: NodeJS.ErrnoException) => this.failed(err));
  }

  /** Called before anything reaches the stream (progress display clears its line). */
  setBeforeWrite(fn: () => void): void {
    this.beforeWrite = fn;
  }

  onClose(fn: () => void): void {
    this.closeListeners.push(fn);
  }

  /** Queues text; resolves at once unless the stream wants the writer to wait. */
  write(text: string): Promise<void> | undefined {
    if (this.closed || text === '') return undefined;
    this.buffer += text;
    if (this.buffer.length >= BATCH) return this.flush();
    return undefined;
  }

  /** Writes what is queued; resolves once the stream can take more. */
  flush(): Promise<void> | undefined {
    if (this.closed || this.buffer === '') return undefined;
    this.beforeWrite?.();
    const chunk = this.buffer;
    this.buffer = '';
    let more: boolean;
    try {
      // A file or tty stdout writes synchronously and throws here; a pipe reports through 'error'.
      more = this.stream.write(chunk);
    } catch (err) {
      this.failed(err as NodeJS.ErrnoException);
      return undefined;
    }
    if (more) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.onClose(done);
    });
  }

  /** Flushes and waits until the stream has handed everything to the OS (or was closed). */
  async end(): Promise<void> {
    await this.flush();
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      this.onClose(resolve);
      this.stream.write('', () => resolve());
    });
  }

  private failed(err: NodeJS.ErrnoException): void {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED' && !this.closed) {
      // Output that cannot be written (disk full, I/O error) is an error, not a quiet end.
      const reason = err.code === 'ENOSPC' ? 'no space left on device' : err.code === 'EIO' ? 'input/output error' : err.message;
      process.stderr.write(`prec: cannot write output: ${reason}\n`);
      process.exitCode = 1;
    }
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = '';
    for (const fn of this.closeListeners.splice(0)) fn();
  }
}
