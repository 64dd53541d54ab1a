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
    return `${this.message} (column ${this.column})\n  ${shown}\n  ${' '.repeat([...before].length)}^`;
  }
}

function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\t') return ' ';
    const code = c.charCodeAt(0);
    return code < 0x10 ? `\\x0${code.toString(16)}` : `\\x${code.toString(16)}`;
  });
}
