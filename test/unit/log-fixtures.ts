// Fixture logs for the log-reader tests, written by the tests themselves: records shaped like
// precd's, and the compressed layouts precd and logrotate produce (frames per open, flushed
// blocks, cut-short frames, nested compression).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { AutoDecoder } from '../../src/log/decode.js';
import { LineSplitter } from '../../src/log/lines.js';

const binding = createRequire(import.meta.url)('zstd-napi/binding') as typeof ZstdBinding;

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'prec-log-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function startRecord(seq: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: `2026-11-22T15:04:05.${String(seq).padStart(9, '0')}+09:00`,
    event_id: `20261122150000-${seq}`,
    uid: 1000,
    gid: 1000,
    euid: 1000,
    egid: 1000,
    auid: 1000,
    session_id: 3,
    user: 'alice',
    group: 'alice',
    pid: 4000 + seq,
    ppid: 3999,
    comm: 'id',
    exe: '/usr/bin/id',
    cwd: '/home/alice',
    argv: ['id', `-u${seq}`],
    argc: 2,
    cgroup: '/user.slice',
    tty: '/dev/pts/3',
    tty_nr: 34819,
    source: 'user',
    record_type: 'start',
    parent_comm: 'bash',
    parent_exe: '/usr/bin/bash',
    parent_cmdline: 'bash',
    ...extra,
  };
}

export function endRecord(seq: number): Record<string, unknown> {
  return {
    timestamp: `2026-11-22T15:04:06.${String(seq).padStart(9, '0')}+09:00`,
    event_id: `20261122150000-${seq}`,
    pid: 4000 + seq,
    source: 'user',
    record_type: 'end',
    duration_ns: 1000 + seq,
    exit_status: 0,
  };
}

/** `count` start/end records as JSON lines (without newlines), starting at sequence `from`. */
export function recordLines(count: number, from = 1): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const seq = from + i;
    lines.push(JSON.stringify(i % 2 === 0 ? startRecord(seq) : endRecord(seq - 1)));
  }
  return lines;
}

export function text(lines: readonly string[]): Buffer {
  return Buffer.from(lines.map((l) => `${l}\n`).join(''));
}

/**
 * A zstd frame written the way precd writes it: `flush` ends a block (everything so far is
 * readable), `end` finishes the frame. Returns the bytes each call emits.
 */
export class ZstdWriter {
  private readonly cctx = new binding.CCtx();

  constructor(level = 3, checksum = false) {
    this.cctx.setParameter(binding.CParameter.compressionLevel, level);
    // precd sets the checksum flag; the library default leaves it off.
    this.cctx.setParameter(binding.CParameter.checksumFlag, checksum ? 1 : 0);
  }

  private run(data: Buffer, op: ZstdBinding.EndDirective): Buffer {
    const parts: Buffer[] = [];
    let src = data;
    for (;;) {
      const dst = Buffer.alloc(binding.cStreamOutSize());
      const [remaining, produced, consumed] = this.cctx.compressStream2(dst, src, op);
      parts.push(dst.subarray(0, produced));
      src = src.subarray(consumed);
      if (src.length === 0 && remaining === 0) break;
    }
    return Buffer.concat(parts);
  }

  flush(data: Buffer): Buffer {
    return this.run(data, binding.EndDirective.flush);
  }

  end(data: Buffer = Buffer.alloc(0)): Buffer {
    return this.run(data, binding.EndDirective.end);
  }
}

/** One complete zstd frame. */
export function zstdFrame(data: Buffer): Buffer {
  return new ZstdWriter().end(data);
}

/** A frame left unfinished after flushing each group of lines in turn (precd killed). */
export function zstdUnfinished(groups: readonly (readonly string[])[]): Buffer {
  const w = new ZstdWriter();
  return Buffer.concat(groups.map((g) => w.flush(text(g))));
}

export function gzipMember(data: Buffer): Buffer {
  return zlib.gzipSync(data);
}

/** A gzip member sync-flushed but never finished (no final block, no trailer): precd killed. */
export function gzipUnfinished(data: Buffer): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
  return Buffer.concat([header, zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH })]);
}

/**
 * A zstd frame of raw (stored) blocks, one per group of lines, as zstd writes incompressible data:
 * its decoder gives a raw block's bytes as they arrive, before the block is complete, and checks
 * them only at the end of the frame. A finished frame (`last`) declares its content size, as a
 * frame compressed in one go does; an unfinished one (precd killed) does not.
 */
export function zstdRaw(groups: readonly (readonly string[])[], last = true): Buffer {
  const bodies = groups.map(text);
  const size = bodies.reduce((n, b) => n + b.length, 0);
  // Descriptor 0x60: single segment, 2-byte content size (minus 256). 0: no size, 128 KiB window.
  const fcs = Buffer.alloc(2);
  fcs.writeUInt16LE(size - 256);
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), last ? Buffer.from([0x60, ...fcs]) : Buffer.from([0x00, 7 << 3])];
  bodies.forEach((body, i) => {
    const header = (body.length << 3) | (last && i === bodies.length - 1 ? 1 : 0);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, header >> 16]), body);
  });
  return Buffer.concat(parts);
}

/** What the AutoDecoder made of some bytes: record lines, bad lines (a tail as `tail <30 chars>`), warnings. */
export interface Decoded {
  lines: string[];
  bad: string[];
  warnings: string[];
}

/**
 * `data` through an AutoDecoder (file label `log`) handed over in pieces of `piece` bytes, then
 * finished unless `finish` is false; the decoder is returned for more calls (idle(), finish()).
 */
export function decodeInPieces(data: Buffer, piece = data.length, finish = true): Decoded & { decoder: AutoDecoder } {
  const r: Decoded = { lines: [], bad: [], warnings: [] };
  const splitter = new LineSplitter({
    lines: (batch) => r.lines.push(...batch),
    invalidLine: (_bytes, why) => r.bad.push(why),
    tail: (t) => r.bad.push(`tail ${t.slice(0, 30)}`),
  });
  const decoder = new AutoDecoder(splitter, 'log', (w) => r.warnings.push(w));
  for (let i = 0; i < data.length; i += piece) decoder.write(Buffer.from(data.subarray(i, i + piece)));
  if (finish) decoder.finish();
  return { ...r, decoder };
}
