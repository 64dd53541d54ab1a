// Ending a frame that a crash cut short (SPEC section 6, "Writing"; issue 20 item 2): before precd
// appends to a log it left unfinished (kill -9, power loss), the last zstd frame or gzip member is
// cut back to its last complete flush point and ended properly, so stock tools (zstdcat, zcat,
// zstd -t, gzip -t) read the whole log and nothing flushed is lost. This module only plans the
// repair from the file's bytes; the caller applies it (patch, truncate, append) on its descriptor.
//
// zstd: a flush ends a block, so the cut frame is walked block by block and decoded to find the
// last block boundary whose content ends a line. The frame is ended with an empty last block; the
// header's content-checksum flag is cleared (one bit, which nothing else in the header depends on)
// rather than computing an XXH64 over the whole frame's content.
// gzip: each batch precd writes is deflated on its own and ends with a sync flush (00 00 ff ff);
// the member is cut after the last one whose data decodes to whole lines, then ended with an
// empty final block and the CRC32 and size of the data kept.
import zlib from 'node:zlib';
import zstd from 'zstd-napi/binding.js';
import { crc32, GZIP_HEADER } from './encode.js';

/** Random access to the log being repaired. */
export interface RepairInput {
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Buffer;
}

/** What to do, in this order: overwrite one byte, cut the file, append. */
export interface RepairPlan {
  readonly patch?: { readonly at: number; readonly byte: number };
  readonly truncate: number;
  readonly append: Buffer;
}

const NL = 0x0a;
const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_MAGIC_BYTES = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const EMPTY_LAST_BLOCK = Buffer.from([0x01, 0x00, 0x00]); // raw block, size 0, last-block flag
const CHECKSUM_BIT = 0x04;

interface CutFrame {
  readonly start: number;
  readonly descriptor: number;
  /** End of the frame header, then the end of each complete block; `last` when the last block is in. */
  readonly boundaries: number[];
  readonly last: boolean;
}

/** The repair of a zstd log whose last frame is unfinished; undefined when it needs none (or is not ours to fix). */
export function planZstdRepair(input: RepairInput): RepairPlan | undefined {
  const frame = lastCutFrame(input);
  if (frame === undefined) return undefined;
  if (typeof frame === 'number') return { truncate: frame, append: Buffer.alloc(0) };
  const keep = lastLineEnd(input, frame);
  if (keep < 0) return { truncate: frame.start, append: Buffer.alloc(0) };
  const end = frame.boundaries[keep]!;
  const lastKept = frame.last && keep === frame.boundaries.length - 1;
  const patch = frame.descriptor & CHECKSUM_BIT ? { at: frame.start + 4, byte: frame.descriptor & ~CHECKSUM_BIT } : undefined;
  if (keep === 0) return { truncate: frame.start, append: Buffer.alloc(0) }; // no content kept: drop the header too
  return { ...(patch ? { patch } : {}), truncate: end, append: lastKept ? Buffer.alloc(0) : EMPTY_LAST_BLOCK };
}

/**
 * Walks the frames from the start of the file; returns the last one when it runs into the end of
 * the file, or where a magic number cut short starts.
 */
function lastCutFrame(input: RepairInput): CutFrame | number | undefined {
  let pos = 0;
  while (pos < input.size) {
    if (pos + 4 > input.size) return ZSTD_MAGIC_BYTES.subarray(0, input.size - pos).equals(input.read(pos, 4)) ? pos : undefined;
    const magic = input.read(pos, 4).readUInt32LE(0);
    if (magic === ZSTD_MAGIC) {
      const frame = walkFrame(input, pos);
      if (frame === undefined) return undefined; // a header that makes no sense: not ours to touch
      if (typeof frame === 'number') {
        pos = frame;
        continue;
      }
      return frame;
    }
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      pos += 8 + (input.size >= pos + 8 ? input.read(pos + 4, 4).readUInt32LE(0) : 0);
      continue;
    }
    const next = nextMagic(input, pos + 1); // plain lines of an earlier compress setting, or damage
    if (next < 0) return undefined;
    pos = next;
  }
  return undefined;
}

/** The end of a complete frame, the cut frame, or undefined for a header that is not valid. */
function walkFrame(input: RepairInput, start: number): number | CutFrame | undefined {
  const hd = input.read(start + 4, 1)[0];
  if (hd === undefined || hd & 0x08) return undefined; // reserved bit set
  const single = (hd >> 5) & 1;
  const headerSize = 5 + (single ? 0 : 1) + [0, 1, 2, 4][hd & 3]! + [single, 2, 4, 8][hd >> 6]!;
  // A frame with a content size was written in one go (never cut at a flush point): not ours to end.
  const streamed = (hd >> 6) === 0 && !single;
  const boundaries = [start + headerSize];
  let pos = start + headerSize;
  for (;;) {
    if (pos + 3 > input.size) return streamed ? { start, descriptor: hd, boundaries, last: false } : undefined;
    const b = input.read(pos, 3);
    const header = b[0]! | (b[1]! << 8) | (b[2]! << 16);
    const type = (header >> 1) & 3;
    if (type === 3) return undefined;
    const end = pos + 3 + (type === 1 ? 1 : header >>> 3);
    if (end > input.size) return streamed ? { start, descriptor: hd, boundaries, last: false } : undefined;
    boundaries.push(end);
    pos = end;
    if (header & 1) break;
  }
  const frameEnd = pos + (hd & CHECKSUM_BIT ? 4 : 0);
  if (frameEnd <= input.size) return frameEnd;
  return streamed ? { start, descriptor: hd, boundaries, last: true } : undefined;
}

function nextMagic(input: RepairInput, from: number): number {
  const CHUNK = 1 << 20;
  for (let pos = from; pos < input.size; pos += CHUNK - 3) {
    const i = input.read(pos, CHUNK).indexOf(ZSTD_MAGIC_BYTES);
    if (i >= 0) return pos + i;
  }
  return -1;
}

/**
 * Decodes the cut frame block by block: the index in `boundaries` of the last one whose content so
 * far ends with a newline (0: none kept), or -1 when even the header does not decode.
 */
function lastLineEnd(input: RepairInput, frame: CutFrame): number {
  const dctx = new zstd.DCtx();
  const out = Buffer.allocUnsafe(zstd.dStreamOutSize());
  let best = 0;
  let lastByte = NL;
  let from = frame.start;
  for (let i = 0; i < frame.boundaries.length; i++) {
    let src = input.read(from, frame.boundaries[i]! - from);
    from = frame.boundaries[i]!;
    try {
      for (;;) {
        const [, produced, consumed] = dctx.decompressStream(out, src);
        if (produced > 0) lastByte = out[produced - 1]!;
        src = src.subarray(consumed);
        if (src.length === 0 && produced < out.length) break;
      }
    } catch {
      return i === 0 ? -1 : best; // damage inside: keep what decoded before it
    }
    if (i > 0 && lastByte === NL) best = i;
  }
  return best;
}

const SYNC_MARK = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const FINAL_EMPTY = Buffer.from([0x03, 0x00]); // a final, empty fixed-Huffman block

/** The repair of a gzip log whose last member (as precd writes them) is unfinished; undefined when it needs none. */
export function planGzipRepair(input: RepairInput): RepairPlan | undefined {
  const start = lastIndexOf(input, GZIP_HEADER);
  if (start < 0) return undefined;
  const member = input.read(start, input.size - start);
  if (looksEnded(member)) return undefined;
  const data = member.subarray(GZIP_HEADER.length);
  for (let q = data.lastIndexOf(SYNC_MARK); q >= 0; q = q === 0 ? -1 : data.lastIndexOf(SYNC_MARK, q - 1)) {
    const kept = data.subarray(0, q + SYNC_MARK.length);
    let content: Buffer;
    try {
      content = zlib.inflateRawSync(Buffer.concat([kept, FINAL_EMPTY]));
    } catch {
      continue; // not a flush point, or damage before it
    }
    if (content.length > 0 && content[content.length - 1] !== NL) continue;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(content, 0) >>> 0, 0);
    trailer.writeUInt32LE(content.length >>> 0, 4);
    return { truncate: start + GZIP_HEADER.length + kept.length, append: Buffer.concat([FINAL_EMPTY, trailer]) };
  }
  return { truncate: start, append: Buffer.alloc(0) }; // nothing of it was flushed
}

/** precd ends a member with a sync flush, the final empty block and the trailer (encode.ts). */
function looksEnded(member: Buffer): boolean {
  const n = member.length;
  if (n < GZIP_HEADER.length + 14) return false;
  return member.subarray(n - 14, n - 10).equals(SYNC_MARK) && member.subarray(n - 10, n - 8).equals(FINAL_EMPTY);
}

function lastIndexOf(input: RepairInput, needle: Buffer): number {
  const CHUNK = 1 << 20;
  for (let end = input.size; end > 0; end -= CHUNK - needle.length) {
    const from = Math.max(0, end - CHUNK);
    const i = input.read(from, end - from).lastIndexOf(needle);
    if (i >= 0) return from + i;
    if (from === 0) break;
  }
  return -1;
}
