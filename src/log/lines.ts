// Bytes -> lines. Works on large decoded buffers: one UTF-8 validation and one string split per
// buffer, so a multi-hundred-megabyte log costs no per-byte JavaScript.
import { isAscii, isUtf8 } from 'node:buffer';
import type { ByteSink } from './sink.js';

const NL = 0x0a;

export interface LineHandler {
  /** Complete lines (without their '\n'), in order. The array is the handler's to keep. */
  lines(batch: string[]): void;
  /** A line that is not valid UTF-8 (not a record precd could have written). */
  invalidLine(bytes: Buffer): void;
  /** At the end of the input, the bytes after the last '\n' (a record not yet flushed, or cut). */
  tail(text: string): void;
}

export class LineSplitter implements ByteSink {
  /** Bytes of a line not yet ended by '\n'. */
  private partial: Buffer | undefined;

  constructor(private readonly handler: LineHandler) {}

  write(data: Buffer): void {
    if (this.partial) {
      const nl = data.indexOf(NL);
      if (nl < 0) {
        this.partial = Buffer.concat([this.partial, data]);
        return;
      }
      const line = Buffer.concat([this.partial, data.subarray(0, nl)]);
      this.partial = undefined;
      this.emit(line);
      data = data.subarray(nl + 1);
    }
    const last = data.lastIndexOf(NL);
    if (last < 0) {
      if (data.length > 0) this.partial = Buffer.from(data);
      return;
    }
    this.emit(data.subarray(0, last));
    if (last + 1 < data.length) this.partial = Buffer.from(data.subarray(last + 1));
  }

  /** Bytes were lost: the line in progress is cut and is dropped. */
  gap(): void {
    this.partial = undefined;
  }

  finish(): void {
    const rest = this.partial;
    this.partial = undefined;
    if (rest && rest.length > 0) {
      if (isUtf8(rest)) this.handler.tail(rest.toString('utf8'));
      else this.handler.invalidLine(rest);
    }
  }

  /** Forgets the line in progress (the file was truncated or replaced). */
  reset(): void {
    this.partial = undefined;
  }

  /** `block` holds whole lines separated by '\n', without the final one. */
  private emit(block: Buffer): void {
    // Logs are mostly ASCII, which decodes to a one-byte string much faster than UTF-8 does.
    if (isAscii(block)) {
      this.handler.lines(block.toString('ascii').split('\n'));
      return;
    }
    if (isUtf8(block)) {
      this.handler.lines(block.toString('utf8').split('\n'));
      return;
    }
    // Rare: some line is not UTF-8. Find it, keep the others.
    let batch: string[] = [];
    let start = 0;
    while (start <= block.length) {
      let nl = block.indexOf(NL, start);
      if (nl < 0) nl = block.length;
      const line = block.subarray(start, nl);
      if (isUtf8(line)) batch.push(line.toString('utf8'));
      else {
        if (batch.length > 0) this.handler.lines(batch);
        batch = [];
        this.handler.invalidLine(Buffer.from(line));
      }
      start = nl + 1;
    }
    if (batch.length > 0) this.handler.lines(batch);
  }
}
