// The decoding pipeline is a chain of synchronous byte sinks: file bytes -> (zstd | gzip)* ->
// lines. Synchronous so that a decoder can stop exactly where damage starts and so that the hot
// path costs one call per large buffer, not one promise per piece.

export interface ByteSink {
  /** The next bytes of the stream. The sink may keep a reference: callers never reuse `data`. */
  write(data: Buffer): void;
  /** Bytes were lost just here: what follows does not continue what came before. */
  gap(): void;
  /** End of the input (a finished read). Data still incomplete (a frame cut short) is let go. */
  finish(): void;
  /**
   * No new input for a while (a followed file): data that can only be a cut-short frame followed
   * by a new one is treated as such now, rather than when more data arrives.
   */
  idle?(): void;
  /**
   * true when the sink keeps nothing of `data` once write returns (it copies what it holds): the
   * caller may then reuse the buffer, which saves a fresh megabyte (and its page faults) per write.
   */
  readonly copiesInput?: boolean;
}

export type Warn = (message: string) => void;

/**
 * Bytes already handed to the pipeline, kept (by reference) a little behind the read position
 * so that a decoder that finds damage can search backwards for the next frame start.
 */
export class InputWindow {
  private chunks: Buffer[] = [];
  private starts: number[] = [];
  /** Absolute offset just past the last byte held. */
  end = 0;

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.starts.push(this.end);
    this.end += data.length;
  }

  /** Absolute offset of the first byte still held. */
  get start(): number {
    return this.starts[0] ?? this.end;
  }

  /** Lets go of whole chunks that end at or before `pos`. */
  trim(pos: number): void {
    while (this.chunks.length > 0 && this.starts[0]! + this.chunks[0]!.length <= pos) {
      this.chunks.shift();
      this.starts.shift();
    }
  }

  private indexAt(pos: number): number {
    // Few chunks are held (a lookback of a few hundred KiB): a backwards scan is enough.
    for (let i = this.chunks.length - 1; i >= 0; i--) if (this.starts[i]! <= pos) return i;
    return -1;
  }

  /** Contiguous bytes at `pos` (from a single chunk), at most `max`; `pos` must be held. */
  slice(pos: number, max: number): Buffer {
    const i = this.indexAt(pos);
    const chunk = this.chunks[i]!;
    const off = pos - this.starts[i]!;
    return chunk.subarray(off, Math.min(chunk.length, off + max));
  }

  /** `n` bytes at `pos`, or undefined while they have not all arrived. */
  peek(pos: number, n: number): Buffer | undefined {
    if (n < 0 || pos + n > this.end || pos < this.start) return undefined;
    const first = this.slice(pos, n);
    if (first.length === n) return first;
    const parts = [first];
    let have = first.length;
    while (have < n) {
      const next = this.slice(pos + have, n - have);
      parts.push(next);
      have += next.length;
    }
    return Buffer.concat(parts, n);
  }

  /** First absolute offset >= from where `magic` starts, among the bytes held; -1 if none. */
  indexOf(magic: Buffer, from: number): number {
    from = Math.max(from, this.start);
    for (let i = Math.max(0, this.indexAt(from)); i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      const base = this.starts[i]!;
      const local = chunk.indexOf(magic, Math.max(0, from - base));
      if (local >= 0 && local + magic.length <= chunk.length) return base + local;
      // A magic split across this chunk and the next.
      for (let p = Math.max(from, base + chunk.length - magic.length + 1); p < base + chunk.length; p++) {
        const bytes = this.peek(p, magic.length);
        if (bytes?.equals(magic)) return p;
      }
    }
    return -1;
  }
}

const OUT_SIZE = 1 << 20;

/**
 * Output buffer of a decoder: decoded bytes accumulate here and go downstream in large pieces.
 * Small pieces are copied so that the big buffer is reused (following a log yields many).
 */
export class OutputBuffer {
  buf = Buffer.allocUnsafe(OUT_SIZE);
  pos = 0;

  constructor(private readonly next: ByteSink) {}

  flush(): void {
    if (this.pos === 0) return;
    if (this.next.copiesInput === true) {
      this.next.write(this.buf.subarray(0, this.pos));
    } else if (this.pos < OUT_SIZE / 4) {
      this.next.write(Buffer.from(this.buf.subarray(0, this.pos)));
    } else {
      this.next.write(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(OUT_SIZE);
    }
    this.pos = 0;
  }

  /** Free space to decode into; flushes first when full. */
  room(): Buffer {
    if (this.pos === this.buf.length) this.flush();
    return this.buf.subarray(this.pos);
  }
}
