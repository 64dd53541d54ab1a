// Where the zstd frames of a file start and end, found from their headers alone, without
// decompressing anything (RFC 8878, section 3.1): a frame is its magic, a frame header, blocks
// whose 3-byte headers give their size and mark the last one, and an optional 4-byte checksum;
// skippable frames give their size. A time window (src/log/time-index.ts) uses this to skip
// frames it never needs to decode.
import { ZSTD_MAGIC } from './format.js';

/** Random access to a file's bytes. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Buffer;
}

/** A frame walked from end to end: [start, end) in the file. */
export interface FrameSpan {
  readonly start: number;
  readonly end: number;
  /** A skippable frame (no content). */
  readonly skippable: boolean;
}

export interface FrameWalk {
  /** The frames that could be walked, in file order, each followed by another frame or the end of the file. */
  readonly frames: FrameSpan[];
  /**
   * Where walking stopped: the end of the file, or the start of what is not a walkable frame (plain
   * lines of an earlier compress setting, gzip, damage, a frame cut short or with a header that
   * makes no sense, a frame not followed by a frame). From there the file must be decoded as it is.
   */
  readonly rest: number;
}

/** Block_Maximum_Size: no block is larger (RFC 8878 3.1.1.2.4); a larger size means we are not on a block header. */
const BLOCK_MAX = 128 * 1024;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAGIC = ZSTD_MAGIC.readUInt32LE(0);

/**
 * The frames from the start of `input` (or `from`), walked by their headers. A frame counts only
 * when the bytes after it are another frame's magic or the end of the file: a frame cut short and
 * followed by a new one (precd killed, then restarted) would otherwise be walked into the next
 * frame's bytes as if they were blocks, and is left to the decoder, which reports it.
 */
export function walkZstdFrames(input: ByteSource, from = 0): FrameWalk {
  const frames: FrameSpan[] = [];
  let pos = from;
  while (pos < input.size) {
    const end = frameEnd(input, pos);
    if (end === undefined || end > input.size) break;
    if (end < input.size && !startsFrame(input, end)) break;
    frames.push({ start: pos, end, skippable: isSkippable(input, pos) });
    pos = end;
  }
  return { frames, rest: pos };
}

function isSkippable(input: ByteSource, pos: number): boolean {
  const b = input.read(pos, 4);
  return b.length === 4 && (b.readUInt32LE(0) & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC;
}

function startsFrame(input: ByteSource, pos: number): boolean {
  const b = input.read(pos, 4);
  return b.length === 4 && (b.readUInt32LE(0) === MAGIC || (b.readUInt32LE(0) & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC);
}

/** The end of the frame at `pos` (possibly past the end of the file: cut short), or undefined when none starts there. */
export function frameEnd(input: ByteSource, pos: number): number | undefined {
  const head = input.read(pos, 8);
  if (head.length < 4) return undefined;
  const magic = head.readUInt32LE(0);
  if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) return head.length < 8 ? undefined : pos + 8 + head.readUInt32LE(4);
  if (magic !== MAGIC || head.length < 5) return undefined;
  const fhd = head[4]!;
  if (fhd & 0x08) return undefined; // reserved bit
  const single = (fhd >> 5) & 1;
  const headerSize = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + [single, 2, 4, 8][fhd >> 6]!;
  let at = pos + headerSize;
  for (;;) {
    const b = input.read(at, 3);
    if (b.length < 3) return at + 3; // cut short
    const header = b[0]! | (b[1]! << 8) | (b[2]! << 16);
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3 || size > BLOCK_MAX) return undefined;
    at += 3 + (type === 1 ? 1 : size);
    if (header & 1) break;
  }
  return at + (fhd & 0x04 ? 4 : 0);
}

/** A ByteSource over a file descriptor, read through a cache of `chunk` bytes (headers are tiny and close together). */
export function cachedSource(size: number, readAt: (buf: Buffer, position: number) => number, chunk = 1 << 20): ByteSource {
  let cache = Buffer.alloc(0);
  let cacheAt = 0;
  return {
    size,
    read(position, length) {
      if (position < cacheAt || position + length > cacheAt + cache.length) {
        const want = Math.max(chunk, length);
        const buf = Buffer.allocUnsafe(Math.min(want, Math.max(0, size - position)));
        const n = buf.length === 0 ? 0 : readAt(buf, position);
        cache = buf.subarray(0, n);
        cacheAt = position;
      }
      return cache.subarray(position - cacheAt, Math.min(cache.length, position - cacheAt + length));
    },
  };
}
