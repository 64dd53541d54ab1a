// The first lines of zstd data, decoded only as far as they are needed and with reused decoding
// state: a time window over a year of daily files reads the head of every file (discover.ts) and
// of a few frames (time-index.ts), and the full reading pipeline (a 1 MiB output buffer and a fresh
// context per file, every block of the bytes read decoded) cost ~20x the day's own read there.
// Damage throws: the callers then fall back to the full pipeline, or treat the frame as unknown.
import zstd from 'zstd-napi/binding.js';

/** Contexts not in use (reset), and the one output buffer (decoding is synchronous; lines are copied out). */
const idle: zstd.DCtx[] = [];
const IDLE_MAX = 16;
let out: Buffer | undefined;

/** Decoded bytes waited on for one line, at most: precd's lines are far shorter. */
const LINE_MAX = 1 << 20;

export class ZstdHead {
  private dctx: zstd.DCtx | undefined = idle.pop() ?? new zstd.DCtx();
  private partial: Buffer[] = [];
  private partialBytes = 0;

  /**
   * Decodes `input` (the next bytes of the stream), giving each complete line (without its
   * newline) to `line` until it returns true; returns true then, false when more input is needed.
   * Throws on damage, or a line longer than LINE_MAX.
   */
  push(input: Buffer, line: (l: Buffer) => boolean): boolean {
    const dctx = this.dctx!;
    out ??= Buffer.allocUnsafe(zstd.dStreamOutSize());
    for (;;) {
      const [, produced, consumed] = dctx.decompressStream(out, input);
      input = input.subarray(consumed);
      if (produced > 0 && this.lines(out.subarray(0, produced), line)) return true;
      if (input.length === 0 && produced < out.length) return false;
    }
  }

  private lines(piece: Buffer, line: (l: Buffer) => boolean): boolean {
    let from = 0;
    for (let nl = piece.indexOf(0x0a); nl >= 0; nl = piece.indexOf(0x0a, from)) {
      const l = this.partialBytes > 0 ? Buffer.concat([...this.partial, piece.subarray(from, nl)]) : piece.subarray(from, nl);
      this.partial = [];
      this.partialBytes = 0;
      from = nl + 1;
      if (line(l)) return true;
    }
    if (from < piece.length) {
      this.partial.push(Buffer.from(piece.subarray(from)));
      this.partialBytes += piece.length - from;
      if (this.partialBytes > LINE_MAX) throw new Error('line too long');
    }
    return false;
  }

  /** Gives the context back for the next head. */
  close(): void {
    if (this.dctx === undefined) return;
    this.dctx.reset(zstd.ResetDirective.sessionOnly);
    if (idle.length < IDLE_MAX) idle.push(this.dctx);
    this.dctx = undefined;
  }
}
