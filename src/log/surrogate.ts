// Lines that are not valid UTF-8 (raw argv bytes in a hand-made or foreign log) are decoded the
// way Python's "surrogateescape" does: each byte of an invalid sequence becomes the lone
// surrogate U+DC80+byte (0xFF -> U+DCFF), nothing is lost, and the text output shows the byte
// back as `\xff` (cli/escape.ts). Decoding with U+FFFD instead would hide which bytes they were.

/** First lone surrogate of the escaped bytes: U+DC80 stands for byte 0x80. */
export const ESCAPED_BYTE_BASE = 0xdc00;

/** The bytes as a string: valid UTF-8 sequences decoded, every other byte as U+DC80..U+DCFF. */
export function decodeSurrogateEscape(bytes: Uint8Array): string {
  const out: string[] = [];
  let run = 0; // start of the current run of valid bytes
  let i = 0;
  const n = bytes.length;
  const flush = (end: number): void => {
    if (end > run) out.push(Buffer.from(bytes.buffer, bytes.byteOffset + run, end - run).toString('utf8'));
  };
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = sequenceLength(bytes, i);
    if (len > 0) {
      i += len;
      continue;
    }
    flush(i);
    out.push(String.fromCharCode(ESCAPED_BYTE_BASE + b));
    i++;
    run = i;
  }
  flush(n);
  return out.join('');
}

function isCont(bytes: Uint8Array, at: number, lo = 0x80, hi = 0xbf): boolean {
  const c = bytes[at];
  return c !== undefined && c >= lo && c <= hi;
}

/** Length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), 0 when there is none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b >= 0xc2 && b <= 0xdf) return isCont(bytes, i + 1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    // No overlongs (E0 A0..), no UTF-16 surrogates (ED 80..9F).
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf;
    return isCont(bytes, i + 1, lo, hi) && isCont(bytes, i + 2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf;
    return isCont(bytes, i + 1, lo, hi) && isCont(bytes, i + 2) && isCont(bytes, i + 3) ? 4 : 0;
  }
  return 0;
}
