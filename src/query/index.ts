// Contract of the query module (implementation in progress): parse -> { predicate, keys, needsEnd }.
// Shared by precd's filter rules and prec's -q; depends on the schema only.
import type { FieldBag } from '../schema/index.js';

export interface CompiledQuery {
  /** true when the row satisfies every query given (repeated queries are ANDed). */
  readonly predicate: (row: FieldBag) => boolean;
  /** Catalogue fields the query names. */
  readonly keys: ReadonlySet<string>;
  /** The query names an end-only field: it can only match a command whose end is known. */
  readonly needsEnd: boolean;
}

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

  /** `message at column N`, the query, and a caret under the column: what users see. */
  format(): string {
    return `${this.message} (column ${this.column})\n  ${this.query}\n  ${' '.repeat(Math.max(0, this.column - 1))}^`;
  }
}

export function compileQuery(_queries: string | readonly string[]): CompiledQuery {
  throw new Error('query module not implemented yet');
}
