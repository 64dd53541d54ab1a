// The query AST and its canonical printer. The AST carries no positions, so that two texts meaning
// the same query (different spacing or quoting) give equal trees; printQuery(ast) reparses to ast.

import type { Operator } from './operators.js';

export interface ClauseNode {
  readonly kind: 'clause';
  /** A catalogue field name (checked by the parser). */
  readonly key: string;
  readonly op: Operator;
  /** The value as written, unquoted and unescaped; checked against the field's type by the parser. */
  readonly value: string;
  /** Written as a quoted value followed by `i`: text operators ignore case. Absent otherwise. */
  readonly caseless?: true;
}
export interface NotNode {
  readonly kind: 'not';
  readonly operand: QueryNode;
}
/** Two or more operands; a parenthesized group keeps its own node, so grouping survives printing. */
export interface AndNode {
  readonly kind: 'and';
  readonly operands: readonly QueryNode[];
}
export interface OrNode {
  readonly kind: 'or';
  readonly operands: readonly QueryNode[];
}
export type QueryNode = ClauseNode | NotNode | AndNode | OrNode;

/** Characters the lexer skips around tokens and trims from bare values. */
export const SPACE_CHARS = ' \t\r\n';

/** Canonical text of a query: `a=1 && (b=2 || !c~="x y")`. Reparses to the same AST. */
export function printQuery(node: QueryNode): string {
  switch (node.kind) {
    case 'clause':
      return `${node.key}${node.op}${node.caseless ? `${quoted(node.value)}i` : printValue(node.value)}`;
    case 'not':
      return `!${node.operand.kind === 'and' || node.operand.kind === 'or' ? `(${printQuery(node.operand)})` : printQuery(node.operand)}`;
    case 'and':
      // Any and/or inside an `and` came from parentheses (the parser flattens a && b && c).
      return node.operands.map((o) => (o.kind === 'and' || o.kind === 'or' ? `(${printQuery(o)})` : printQuery(o))).join(' && ');
    case 'or':
      return node.operands.map((o) => (o.kind === 'or' ? `(${printQuery(o)})` : printQuery(o))).join(' || ');
  }
}

/** A value printed bare when it would lex back unchanged, quoted otherwise. */
export function printValue(value: string): string {
  return needsQuotes(value) ? quoted(value) : value;
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function needsQuotes(value: string): boolean {
  if (value === '') return true;
  if (SPACE_CHARS.includes(value[0]!) || SPACE_CHARS.includes(value[value.length - 1]!)) return true;
  return value[0] === '"' || value.includes('&&') || value.includes('||') || value.includes(')');
}
