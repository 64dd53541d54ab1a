// Escaping of attacker-controlled strings for terminal output (text and table formats). argv, paths
// and names come from whoever ran a program; printed raw, an ESC sequence could move the cursor,
// recolour or erase a line, a CR could overwrite the start of the line, and a BIDI override could
// make `rm -rf /tmp/x` read as something else. Every such character is replaced by a visible escape.
//
// Backslashes are deliberately left alone: `printf 'a\n'` stays readable. An escape in the output is
// therefore not proof the argument held a control character, but no argument can hide or rewrite one.

const NAMED: Readonly<Record<number, string>> = {
  0x1b: '\\e',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
};

// C0 controls, DEL, C1 controls, zero-width and direction marks, line/paragraph separators, BIDI
// embeddings/overrides/isolates, the BOM, and lone UTF-16 surrogates (from `\ud800` in the JSON, or
// U+DC80..U+DCFF: a raw byte of a line that was not valid UTF-8, log/surrogate.ts, shown as `\xNN`).
// The surrogate pair alternative comes first so that valid pairs (emoji) are matched and kept.
const UNSAFE =
  /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF\uD800-\uDFFF]/g;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

function replace(ch: string): string {
  if (ch.length === 2) return ch; // a valid surrogate pair
  const code = ch.charCodeAt(0);
  const named = NAMED[code];
  if (named) return named;
  if (code < 0x80) return `\\x${hex(code, 2)}`;
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${hex(code - 0xdc00, 2)}`;
  return `\\u${hex(code, 4)}`;
}

const HAS_RAW_BYTE = /[\uDC80-\uDCFF]/;
const RAW_BYTE = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uDC80-\uDCFF]/g;

/**
 * Only the raw bytes of invalid UTF-8 (U+DC80..U+DCFF) as `\xNN`, for CSV: written as they are
 * they would become U+FFFD and the bytes would be lost.
 */
export function escapeRawBytes(s: string): string {
  if (!HAS_RAW_BYTE.test(s)) return s;
  RAW_BYTE.lastIndex = 0;
  return s.replace(RAW_BYTE, (ch) => (ch.length === 2 ? ch : `\\x${hex(ch.charCodeAt(0) - 0xdc00, 2)}`));
}

/** The string with every unsafe character replaced by a visible escape; safe strings are returned as is. */
export function escapeText(s: string): string {
  // Fast path: most values are printable ASCII. Anything at or above U+0600 is left to the regex.
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && (c <= 0x9f || c >= 0x600))) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  UNSAFE.lastIndex = 0;
  return s.replace(UNSAFE, replace);
}
