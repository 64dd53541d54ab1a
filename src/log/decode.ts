// Chooses the decoder for a byte stream from its first bytes, and again for what that decoder
// produces: a log gzipped by logrotate after precd wrote it with zstd is gzip outside, zstd inside.
import { isUtf8 } from 'node:buffer';
import { detectFormat, GZIP_MAGIC, ZSTD_MAGIC, type LogFormat } from '../codec/format.js';
import { GzipDecoder } from '../codec/gzip-decode.js';
import type { RecordRule } from '../codec/resync.js';
import type { ByteSink, Warn } from '../codec/sink.js';
import { ZstdDecoder } from '../codec/zstd-decode.js';
import { MAX_LINE_BYTES } from './lines.js';
import { parseRecord } from './record.js';

/** A plain record line, for the decoders' search after damage: what the line reader accepts. */
const RECORD_LINES: RecordRule = {
  maxLineBytes: MAX_LINE_BYTES,
  isRecord: (line) => isUtf8(line) && parseRecord(line.toString('utf8')) !== undefined,
};

/** Layers of compression unwrapped before the content is taken as text. */
const MAX_DEPTH = 3;

export class AutoDecoder implements ByteSink {
  private head: Buffer[] = [];
  private headLength = 0;
  private inner: ByteSink | undefined;
  /** Bytes written so far, and the offset of the first byte held in `head`. */
  private total = 0;
  private headAt = 0;
  /** Format of the outermost layer once known. */
  format: LogFormat | undefined;

  constructor(
    private readonly next: ByteSink,
    private readonly label: string,
    private readonly warn: Warn,
    private readonly depth = 0,
  ) {}

  /** Before the format is known the few bytes held are copies; after, as the decoder chosen. */
  get copiesInput(): boolean {
    return this.inner === undefined || this.inner.copiesInput === true;
  }

  /** The stream is read from byte `offset` of the file (a time window skipped what is before): warnings count from there. */
  startAt(offset: number): this {
    if (this.total === 0) this.total = offset;
    return this;
  }

  write(data: Buffer): void {
    const at = this.total;
    this.total += data.length;
    this.feed(data, at);
  }

  /** `data` starts at offset `at` of the stream. */
  private feed(data: Buffer, at: number): void {
    if (this.inner) {
      this.inner.write(data);
      return;
    }
    if (this.headLength === 0) this.headAt = at;
    // Copied: the caller may reuse `data` (copiesInput), and fewer than 4 bytes may wait here.
    this.head.push(Buffer.from(data));
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
    for (;;) {
      if (!this.inner && this.headLength > 0) this.choose();
      const inner = this.inner;
      if (!inner) break;
      inner.finish();
      // Finishing may have found the start of another format, now being decoded: finish it too.
      if (this.inner === inner) return;
    }
    this.next.finish();
  }

  idle(): void {
    this.inner?.idle?.();
  }

  private choose(): void {
    const head = Buffer.concat(this.head, this.headLength);
    this.head = [];
    this.headLength = 0;
    const format = this.depth >= MAX_DEPTH ? 'plain' : detectFormat(head);
    this.format ??= format;
    // precd appends to the same file whatever its compress setting: when that changed between
    // two runs, another format follows, and the rest of the stream is sniffed again. `rest` is
    // always the end of what was written so far, so its offset is known.
    const switchFormat = (rest: Buffer): void => {
      this.inner = undefined;
      if (rest.length > 0) this.feed(rest, this.total - rest.length);
    };
    if (format === 'plain') {
      this.inner = this.depth >= MAX_DEPTH ? this.next : new PlainText(this.next, switchFormat);
    } else {
      const innerLabel = `${this.label} (inside ${format})`;
      const content = new AutoDecoder(this.next, innerLabel, this.warn, this.depth + 1);
      const options = { records: RECORD_LINES, onOtherFormat: switchFormat, base: this.headAt };
      this.inner =
        format === 'zstd'
          ? new ZstdDecoder(content, this.label, this.warn, options)
          : new GzipDecoder(content, this.label, this.warn, options);
    }
    this.inner.write(head);
  }
}

/**
 * Plain text, watched for the start of a zstd frame or gzip member. Both magics hold bytes that
 * never occur in ASCII and sequences that are invalid UTF-8, so text cannot contain them; a
 * single-byte search finds them (or their absence) at memchr speed.
 */
class PlainText implements ByteSink {
  /** Trailing bytes that may be the first bytes of a magic, held until the next write. */
  private held: Buffer | undefined;
  private lastByte = 0x0a;

  constructor(
    private readonly next: ByteSink,
    private readonly onOtherFormat: (rest: Buffer) => void,
  ) {}

  /** Holds only copies (`held`); the rest goes straight on. */
  get copiesInput(): boolean {
    return this.next.copiesInput === true;
  }

  write(data: Buffer): void {
    if (this.held) {
      data = Buffer.concat([this.held, data]);
      this.held = undefined;
    }
    const at = compressedStart(data);
    if (at >= 0) {
      if (at > 0) {
        this.next.write(data.subarray(0, at));
        this.lastByte = data[at - 1]!;
      }
      // A line cut where the compressed data starts (precd killed mid-write) is dropped.
      if (this.lastByte !== 0x0a) this.next.gap();
      this.onOtherFormat(data.subarray(at));
      return;
    }
    const keep = magicPrefixAtEnd(data);
    if (keep > 0) {
      this.held = Buffer.from(data.subarray(data.length - keep));
      data = data.subarray(0, data.length - keep);
    }
    if (data.length > 0) {
      this.next.write(data);
      this.lastByte = data[data.length - 1]!;
    }
  }

  gap(): void {
    this.held = undefined;
    this.next.gap();
  }

  finish(): void {
    if (this.held) this.next.write(this.held);
    this.held = undefined;
    this.next.finish();
  }
}

/** Offset of the first zstd or gzip magic in `data`, or -1. */
function compressedStart(data: Buffer): number {
  let best = -1;
  // 0xFD (last byte of the zstd magic) and 0x1F (first of gzip's) never occur in precd's text.
  for (let i = data.indexOf(0xfd); i >= 0; i = data.indexOf(0xfd, i + 1)) {
    if (i >= 3 && data[i - 3] === 0x28 && data[i - 2] === 0xb5 && data[i - 1] === 0x2f) {
      best = i - 3;
      break;
    }
  }
  for (let i = data.indexOf(0x1f); i >= 0 && (best < 0 || i < best); i = data.indexOf(0x1f, i + 1)) {
    if (data[i + 1] === 0x8b && data[i + 2] === 0x08) return i;
  }
  return best;
}

/** How many bytes at the end of `data` are a proper prefix of a magic (0 to 3). */
function magicPrefixAtEnd(data: Buffer): number {
  for (const magic of [ZSTD_MAGIC, GZIP_MAGIC]) {
    for (let n = Math.min(magic.length - 1, data.length); n > 0; n--) {
      if (data.subarray(data.length - n).equals(magic.subarray(0, n))) return n;
    }
  }
  return 0;
}
