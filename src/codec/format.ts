// What a log file holds is decided by its first bytes, never by its name: logrotate names a
// gzipped zstd log `prec.log.2.gz`, and an admin may rename anything.
import type { InputWindow } from './sink.js';

export type LogFormat = 'zstd' | 'gzip' | 'plain';

/** zstd frame magic 0xFD2FB528, as it appears on disk (little endian). */
export const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** gzip member magic (ID1 ID2) followed by CM=8 (deflate), the only method gzip defines. */
export const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** Skippable zstd frames (0x184D2A50..5F) carry no content but may start a zstd file. */
export function isZstdSkippableMagic(head: Buffer, at = 0): boolean {
  return head.length - at >= 4 && (head.readUInt32LE(at) & 0xfffffff0) >>> 0 === 0x184d2a50;
}

/**
 * Format of a stream from its first bytes (4 are enough; fewer are judged as well as they can be).
 * Anything that is neither zstd nor gzip is plain text.
 */
export function detectFormat(head: Buffer): LogFormat {
  if (head.length >= 4 && (head.subarray(0, 4).equals(ZSTD_MAGIC) || isZstdSkippableMagic(head))) return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return 'plain';
}

/** Every record precd writes is a JSON object whose first key is quoted: a line starts with this. */
export const RECORD_START = Buffer.from('{"');

/**
 * Whether `bytes` begin what another writer mode would write: a record line, a zstd frame or a
 * gzip member. Seen where a frame of one kind should start, it means the log's `compress`
 * setting changed between two runs of precd, which append to the same file.
 */
export function startsLogData(bytes: Buffer): boolean {
  if (bytes.length >= 2 && bytes[0] === RECORD_START[0] && bytes[1] === RECORD_START[1]) return true;
  if (bytes.length >= 3 && bytes.subarray(0, 3).equals(GZIP_MAGIC)) return true;
  return bytes.length >= 4 && bytes.subarray(0, 4).equals(ZSTD_MAGIC);
}

/**
 * The first gzip member header at or after `from` in `win`: a gzip magic whose flag byte has its
 * reserved bits clear, or has not arrived yet (the caller tells those apart: `at + 4 > win.end`).
 * -1 when there is none among the bytes held.
 */
export function findGzipHeader(win: InputWindow, from: number): number {
  for (let at = win.indexOf(GZIP_MAGIC, from); at >= 0; at = win.indexOf(GZIP_MAGIC, at + 1)) {
    const flg = win.peek(at + 3, 1);
    if (!flg || (flg[0]! & 0xe0) === 0) return at; // reserved flag bits must be zero
  }
  return -1;
}
