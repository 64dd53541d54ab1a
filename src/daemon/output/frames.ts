// The log's frame for one open of the file: the encoders themselves live in src/codec (shared with
// the reader, which knows the same formats); this picks one by the `compress` setting.
import { GzipFrame, PlainFrame, ZstdFrame, type Frame } from '../../codec/encode.js';
export { frameFull } from '../../codec/encode.js';
import type { Compress } from '../defaults.js';

export type { Frame, Sink } from '../../codec/encode.js';

/** A new frame in the log's format; `level` is ignored for "no". */
export function newFrame(compress: Compress, level: number): Frame {
  switch (compress) {
    case 'zstd':
      return new ZstdFrame(level);
    case 'gz':
      return new GzipFrame(level);
    case 'no':
      return new PlainFrame();
  }
}
