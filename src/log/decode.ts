// Chooses the decoder for a byte stream from its first bytes, and again for what that decoder
// produces: a log gzipped by logrotate after precd wrote it with zstd is gzip outside, zstd inside.
import { detectFormat, type LogFormat } from './format.js';
import { GzipDecoder } from './gzip.js';
import type { ByteSink, Warn } from './sink.js';
import { ZstdDecoder } from './zstd.js';

/** Layers of compression unwrapped before the content is taken as text. */
const MAX_DEPTH = 3;

export class AutoDecoder implements ByteSink {
  private head: Buffer[] = [];
  private headLength = 0;
  private inner: ByteSink | undefined;
  /** Format of the outermost layer once known. */
  format: LogFormat | undefined;

  constructor(
    private readonly next: ByteSink,
    private readonly label: string,
    private readonly warn: Warn,
    private readonly depth = 0,
  ) {}

  write(data: Buffer): void {
    if (this.inner) {
      this.inner.write(data);
      return;
    }
    this.head.push(data);
    this.headLength += data.length;
    if (this.headLength >= 4) this.choose();
  }

  gap(): void {
    if (this.inner) this.inner.gap();
    else {
      this.head = [];
      this.headLength = 0;
      this.next.gap();
    }
  }

  finish(): void {
    if (!this.inner && this.headLength > 0) this.choose();
    if (this.inner) this.inner.finish();
    else this.next.finish();
  }

  private choose(): void {
    const head = Buffer.concat(this.head, this.headLength);
    this.head = [];
    const format = this.depth >= MAX_DEPTH ? 'plain' : detectFormat(head);
    this.format = format;
    if (format === 'plain') {
      this.inner = this.next;
    } else {
      const innerLabel = `${this.label} (inside ${format})`;
      const content = new AutoDecoder(this.next, innerLabel, this.warn, this.depth + 1);
      this.inner =
        format === 'zstd'
          ? new ZstdDecoder(content, this.label, this.warn)
          : new GzipDecoder(content, this.label, this.warn);
    }
    this.inner.write(head);
  }
}
