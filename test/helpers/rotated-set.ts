// A rotated set of logs for the time-window tests (unit: log-window-files, e2e: prec-cli-window):
// FILES files of two hours each, zstd with a new frame every 20 minutes of records, gzip members,
// plain lines, the current file ending in an unfinished frame. Records are written the way precd
// writes them: about in time order (up to 30 s out of order, less than the slack), ends when they
// happen. Deterministic.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GzipFrame, ZstdFrame, type Frame } from '../../src/codec/encode.js';
import { startRecord, endRecord, tempDir } from '../unit/log-fixtures.js';
import { prng } from './prng.js';

export const BASE_MS = Date.UTC(2026, 10, 22, 0, 0, 0);
export const FILE_S = 2 * 3600;
export const FILES = 9;
const iso = (s: number): string => new Date(BASE_MS + s * 1000).toISOString().replace('Z', '+00:00');

/** Lines of one file's time span in write order, each with its write time (s). */
function fileLines(r: () => number, from: number, to: number, seq: { n: number }): { at: number; line: string }[] {
  const out: { at: number; line: string }[] = [];
  for (let t = from + r() * 40; t < to; t += 5 + r() * 60) {
    const n = seq.n++;
    // written up to 30 s after its own time (per-CPU ring order)
    const stamp = t - r() * 30;
    out.push({ at: t, line: JSON.stringify(startRecord(n, { timestamp: iso(stamp), event_id: `e-${n}` })) });
    const endAt = t + r() * 300;
    if (endAt < to) out.push({ at: endAt, line: JSON.stringify({ ...endRecord(n), timestamp: iso(endAt), event_id: `e-${n}` }) });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The bytes of a file in `format`: flushed every few lines, a new frame / member every 20 minutes of lines. */
function encode(format: 'zstd' | 'gz' | 'plain', lines: { at: number; line: string }[], unfinished: boolean): Buffer {
  if (format === 'plain') return Buffer.from(lines.map((l) => `${l.line}\n`).join(''));
  const out: Buffer[] = [];
  const sink = (c: Uint8Array): void => void out.push(Buffer.from(c));
  let frame: Frame | undefined;
  let frameStart = 0;
  for (let i = 0; i < lines.length; i += 3) {
    const at = lines[i]!.at;
    if (frame && at - frameStart >= 1200) {
      frame.end(sink);
      frame = undefined;
    }
    if (!frame) {
      frame = format === 'zstd' ? new ZstdFrame(1) : new GzipFrame(1);
      frameStart = at;
    }
    frame.write(Buffer.from(lines.slice(i, i + 3).map((l) => `${l.line}\n`).join('')), true, sink);
  }
  if (frame && !unfinished) frame.end(sink);
  return Buffer.concat(out);
}

export function buildSet(): string {
  const dir = tempDir('prec-window-');
  const r = prng(19);
  const seq = { n: 0 };
  const formats = ['zstd', 'zstd', 'gz', 'zstd', 'plain', 'zstd', 'gz', 'zstd', 'zstd'] as const;
  for (let f = 0; f < FILES; f++) {
    const age = FILES - 1 - f;
    const format = formats[f]!;
    const name = age === 0 ? 'prec.log' : `prec.log.${age}${format === 'gz' && age % 2 === 0 ? '.gz' : ''}`;
    writeFileSync(join(dir, name), encode(format, fileLines(r, f * FILE_S, (f + 1) * FILE_S, seq), age === 0));
  }
  return join(dir, 'prec.log');
}

