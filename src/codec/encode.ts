// The writing side of the codecs precd appends with: a zstd frame or gzip member per open of the
// log, flushed so that everything written so far decodes (SPEC section 6, "Writing"). The reading
// side is zstd-decode.ts and gzip-decode.ts.
import zlib from 'node:zlib';
import zstd from 'zstd-napi/binding.js';

const EMPTY = Buffer.alloc(0);

export type Sink = (chunk: Uint8Array) => void;

/**
 * precd ends its frame (and starts a new one) at the first flush point after this much input or
 * this long: a time window then skips the whole frames outside it without decompressing them
 * (src/log/time-index.ts), where one frame per daily file would have to be decoded to its end to
 * reach the last hour. An hour of frame costs a frame header, a checksum and a fresh history.
 */
export const FRAME_MAX_BYTES = 16 << 20;
export const FRAME_MAX_MS = 3_600_000;

/** Whether a frame holding `bytes` of input, started `ageMs` ago, is to be ended at this flush point. */
export function frameFull(bytes: number, ageMs: number): boolean {
  return bytes >= FRAME_MAX_BYTES || ageMs >= FRAME_MAX_MS;
}

/** One compressed frame in progress. */
export interface Frame {
  /** Compresses `data`; with `flush`, everything given so far becomes decodable from the output. */
  write(data: Buffer, flush: boolean, sink: Sink): void;
  /** Ends the frame (checksum/trailer). */
  end(sink: Sink): void;
}

export class PlainFrame implements Frame {
  write(data: Buffer, _flush: boolean, sink: Sink): void {
    if (data.length > 0) sink(data);
  }
  end(): void {}
}

export class ZstdFrame implements Frame {
  private readonly cctx = new zstd.CCtx();
  private readonly out = Buffer.allocUnsafe(zstd.cStreamOutSize());

  constructor(level: number) {
    this.cctx.setParameter(zstd.CParameter.compressionLevel, level);
    this.cctx.setParameter(zstd.CParameter.checksumFlag, 1);
  }

  write(data: Buffer, flush: boolean, sink: Sink): void {
    this.run(data, flush ? zstd.EndDirective.flush : zstd.EndDirective.continue, sink);
  }

  end(sink: Sink): void {
    this.run(EMPTY, zstd.EndDirective.end, sink);
  }

  private run(src: Buffer, op: zstd.EndDirective, sink: Sink): void {
    for (;;) {
      const [remaining, produced, consumed] = this.cctx.compressStream2(this.out, src, op);
      // The sink writes synchronously, so the output buffer can be reused at once.
      if (produced > 0) sink(this.out.subarray(0, produced));
      src = src.subarray(consumed);
      if (src.length === 0 && (op === zstd.EndDirective.continue || remaining === 0)) return;
    }
  }
}

// A gzip member built by hand: node's zlib streams are asynchronous only. Each batch is deflated
// independently and ends with a sync flush (byte-aligned, not final), so the batches concatenate
// into one valid deflate stream; end() adds the final empty block and the CRC32/size trailer.
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);

// zlib.crc32 exists from Node 20.15; the table version keeps older Node 20 releases working.
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export const crc32: (data: Uint8Array, value: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data, value) => zlib.crc32(data, value)
    : (data, value) => {
        let c = ~value >>> 0;
        for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
        return ~c >>> 0;
      };

export class GzipFrame implements Frame {
  private crc = 0;
  private size = 0;
  private started = false;

  constructor(private readonly level: number) {}

  write(data: Buffer, _flush: boolean, sink: Sink): void {
    if (data.length === 0) return;
    const deflated = zlib.deflateRawSync(data, { level: this.level, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    this.crc = crc32(data, this.crc);
    this.size = (this.size + data.length) >>> 0;
    sink(this.started ? deflated : Buffer.concat([GZIP_HEADER, deflated]));
    this.started = true;
  }

  end(sink: Sink): void {
    if (!this.started) return;
    const last = zlib.deflateRawSync(EMPTY, { finishFlush: zlib.constants.Z_FINISH });
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size, 4);
    sink(Buffer.concat([last, trailer]));
  }
}
