// The query language of SPEC section 7, shared by precd's filter rules and prec's -q; depends on
// the schema only. Text -> (chevrotain) -> checked AST -> one generated predicate per query, every
// operator's meaning read from one table (operators.ts).
import { END_ONLY_FIELDS, type FieldBag } from '../schema/index.js';
import type { QueryNode } from './ast.js';
import { generatePredicate } from './predicate.js';
import { parseQuery } from './parser.js';

export { QueryError } from './errors.js';
export { keyPositions, MAX_DEPTH, parseQuery } from './parser.js';
export { printQuery, printValue } from './ast.js';
export { OPERATORS, operatorSpec, operatorsFor, type Operator, type OperatorSpec, type NeedleKind } from './operators.js';
export type { QueryNode, ClauseNode, NotNode, AndNode, OrNode } from './ast.js';
export { isFinalized } from './predicate.js';
export { keyHintSql, whereSql, quoteString } from './sql.js';
export { necessaryNeedles, necessaryTexts, type Needle } from './needles.js';

export interface CompiledQuery {
  /** true when the row satisfies every query given (repeated queries are ANDed). */
  readonly predicate: (row: FieldBag) => boolean;
  /** Catalogue fields the query names. */
  readonly keys: ReadonlySet<string>;
  /** The query names an end-only field: it can only match a command whose end is known. */
  readonly needsEnd: boolean;
}

const END_ONLY: ReadonlySet<string> = new Set(END_ONLY_FIELDS);

/**
 * Parses, checks and compiles one query or several (ANDed; no query at all matches every row).
 * Throws QueryError, naming the query that failed, and nothing else.
 */
export function compileQuery(queries: string | readonly string[]): CompiledQuery {
  const list: readonly unknown[] = typeof queries === 'string' ? [queries] : Array.isArray(queries) ? queries : [queries];
  // parseQuery turns a non-string into a QueryError too: callers get one kind of error, always.
  return compileAst(list.map((q) => parseQuery(q as string)));
}

/** Compiles already parsed queries (from parseQuery), ANDed. */
export function compileAst(asts: readonly QueryNode[]): CompiledQuery {
  const keys = new Set<string>();
  for (const ast of asts) collectKeys(ast, keys);
  const all: QueryNode | undefined = asts.length <= 1 ? asts[0] : { kind: 'and', operands: asts };
  return {
    predicate: all === undefined ? () => true : generatePredicate(all),
    keys,
    needsEnd: [...keys].some((k) => END_ONLY.has(k)),
  };
}

/**
 * True when a query has the clause `KEY=VALUE` (exactly that operator) anywhere, e.g. whether it
 * names `record_type=seal`: rows of such a kind are shown only when asked for by name.
 */
export function namesClause(asts: readonly QueryNode[], key: string, value: string): boolean {
  const walk = (node: QueryNode): boolean => {
    switch (node.kind) {
      case 'clause':
        return node.key === key && node.op === '=' && node.value === value;
      case 'not':
        return walk(node.operand);
      case 'and':
      case 'or':
        return node.operands.some(walk);
    }
  };
  return asts.some(walk);
}

function collectKeys(node: QueryNode, into: Set<string>): void {
  switch (node.kind) {
    case 'clause':
      into.add(node.key);
      break;
    case 'not':
      collectKeys(node.operand, into);
      break;
    case 'and':
    case 'or':
      for (const o of node.operands) collectKeys(o, into);
      break;
  }
}
