// The one error type of the query module: everything that can go wrong with a query (lexing,
// parsing, typing) ends up here, so callers print `format()` and exit without a stack trace.

/** A query that does not parse or type-check: message, 1-based column, and the query shown with a caret. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly query: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'QueryError';
  }

  /** `message (column N)`, the query, and a caret under the column: what users see. */
  format(): string {
    // Control characters would move the cursor or break the caret line; show them escaped.
    const shown = escapeControls(this.query);
    const before = escapeControls([...this.query].slice(0, Math.max(0, this.column - 1)).join(''));
    return `${this.message} (column ${this.column})\n  ${shown}\n  ${' '.repeat(displayWidth(before))}^`;
  }
}

// Terminal cells of a text, so the caret lands under the spot: wide (East Asian, emoji) characters
// take two cells, combining marks none.
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;
const ZERO_WIDTH = /[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f]/u;

function displayWidth(text: string): number {
  let width = 0;
  for (const c of text) width += WIDE.test(c) ? 2 : ZERO_WIDTH.test(c) ? 0 : 1;
  return width;
}

function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\t') return ' ';
    const code = c.charCodeAt(0);
    return code < 0x10 ? `\\x0${code.toString(16)}` : `\\x${code.toString(16)}`;
  });
}
